"""What a page looks like on a 320 px phone, measured in Chromium and judged here.

WCAG 1.4.10 (reflow): at 320 CSS px nothing scrolls sideways but what has its own scrolling box (wide
tables). The header and the demo banner leave most of the screen to the page, the navigation behind
a menu button. Results come before the filter panel, or the panel is folded. Chart text is rendered
at 12 px at least, and each bar's colour has 3:1 contrast with what surrounds it (WCAG 1.4.11).
"""

PHONE = {"width": 320, "height": 640}
MIN_CHART_TEXT_PX = 12
MIN_BAR_CONTRAST = 3.0
MAX_HEADER_SHARE = 0.5

MEASURE = """([width, height]) => {
    const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
        + (typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\\s+/).join(".") : "");
    const scrolls = (e) => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== "visible") return true;
        }
        return false;
    };
    const background = (e) => {
        for (let a = e; a; a = a.parentElement) {
            const colour = getComputedStyle(a).backgroundColor;
            if (colour && colour !== "transparent" && !/rgba\\(.*,\\s*0\\)$/.test(colour)) return colour;
        }
        return "rgb(255, 255, 255)";
    };
    // The deepest elements that stick out on the right, outside any scrolling box of their own.
    const wide = [];
    if (document.documentElement.scrollWidth > width) {
        for (const e of document.body.querySelectorAll("*")) {
            const right = e.getBoundingClientRect().right;
            if (right <= width + 0.5 || scrolls(e)) continue;
            if ([...e.children].some((c) => c.getBoundingClientRect().right > width + 0.5)) continue;
            wide.push(describe(e) + " → " + Math.round(right) + " px");
        }
    }
    const top = [...document.querySelectorAll(".site-header, .notice")]
        .map((e) => e.getBoundingClientRect().bottom + window.scrollY);
    const navLinks = [...document.querySelectorAll(".site-nav a")];
    const menu = [...document.querySelectorAll(".site-header summary, .site-header button")]
        .find((e) => e.checkVisibility());
    const results = document.getElementById("titre-resultats");
    const filters = [...document.querySelectorAll(".filters, .criteria")].map((panel) => ({
        after_results: !!results && !!(panel.compareDocumentPosition(results) & Node.DOCUMENT_POSITION_PRECEDING),
        folded: [...panel.querySelectorAll("input:not([type=hidden]), select, button")]
            .every((control) => !control.checkVisibility()),
        height: Math.round(panel.getBoundingClientRect().height),
    }));
    const texts = [...document.querySelectorAll("svg[data-chart] text")].map((text) => {
        const svg = text.ownerSVGElement, box = text.getBoundingClientRect(), frame = svg.getBoundingClientRect();
        const scale = svg.getScreenCTM() ? Math.abs(svg.getScreenCTM().a) : 1;
        return {
            chart: svg.dataset.chart, text: text.textContent.trim().slice(0, 40),
            px: parseFloat(getComputedStyle(text).fontSize) * scale,
            inside: box.left >= frame.left - 0.5 && box.right <= frame.right + 0.5,
        };
    });
    const bars = [...document.querySelectorAll("svg[data-chart] rect.chart__bar")].map((bar) => {
        let track = bar.previousElementSibling;
        while (track && !track.classList.contains("chart__track")) track = track.previousElementSibling;
        return {
            chart: bar.ownerSVGElement.dataset.chart, title: bar.textContent.trim().slice(0, 40),
            fill: getComputedStyle(bar).fill,
            around: [track ? getComputedStyle(track).fill : null, background(bar.ownerSVGElement)].filter(Boolean),
        };
    });
    const swatches = [...document.querySelectorAll(".swatch")].filter((s) => s.checkVisibility()).map((swatch) => ({
        chart: swatch.closest("[id]") ? swatch.closest("[id]").id : "", title: swatch.parentElement.textContent.trim(),
        fill: getComputedStyle(swatch).backgroundColor, around: [background(swatch.parentElement)],
    }));
    return {
        width, height, scroll_width: document.documentElement.scrollWidth, wide: wide.slice(0, 8),
        header_bottom: Math.max(0, ...top),
        nav_links_visible: navLinks.filter((a) => a.checkVisibility()).length,
        menu_button: menu ? menu.textContent.trim() : null,
        filters, texts, bars: bars.concat(swatches),
    };
}"""


def _channel(value: float) -> float:
    value /= 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def parse_colour(css: str) -> tuple[float, float, float]:
    """'rgb(11, 93, 87)' or 'rgba(…)' (computed styles) → (r, g, b)."""
    inner = css[css.index("(") + 1 : css.rindex(")")]
    r, g, b = (float(part) for part in inner.replace("/", ",").replace(",", " ").split()[:3])
    return r, g, b


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS colours."""
    lightness = []
    for colour in (first, second):
        r, g, b = (_channel(c) for c in parse_colour(colour))
        lightness.append(0.2126 * r + 0.7152 * g + 0.0722 * b)
    light, dark = max(lightness), min(lightness)
    return (light + 0.05) / (dark + 0.05)


def measure(page) -> dict:
    """The figures of the page as laid out in the tab's viewport (not `innerWidth`, which a page too wide widens)."""
    viewport = page.viewport_size
    return page.evaluate(MEASURE, [viewport["width"], viewport["height"]])


def phone_problems(page) -> list[str]:
    """Every way the page, as laid out now in `page` (a 320 × 640 tab), fails on a phone; empty when none."""
    data = measure(page)
    problems = []
    if data["scroll_width"] > data["width"]:
        problems.append(f"scrolls sideways: {data['scroll_width']} px wide ({', '.join(data['wide'])})")
    if data["header_bottom"] >= MAX_HEADER_SHARE * data["height"]:
        problems.append(f"header and banner take {data['header_bottom']:.0f} px of a {data['height']} px screen")
    if data["nav_links_visible"] or not data["menu_button"]:
        problems.append(f"navigation not behind a menu button ({data['nav_links_visible']} links shown)")
    for panel in data["filters"]:
        if not (panel["after_results"] or panel["folded"]):
            problems.append(f"filter panel before the results and unfolded ({panel['height']} px)")
    for text in data["texts"]:
        if text["px"] < MIN_CHART_TEXT_PX:
            problems.append(f"chart {text['chart']}: « {text['text']} » rendered at {text['px']:.1f} px")
        if not text["inside"]:
            problems.append(f"chart {text['chart']}: « {text['text']} » runs out of its chart")
    for bar in data["bars"]:
        for around in bar["around"]:
            ratio = contrast(bar["fill"], around)
            if ratio < MIN_BAR_CONTRAST:
                problems.append(
                    f"chart {bar['chart']}: {bar['title']} ({bar['fill']}) has {ratio:.2f}:1 against {around}"
                )
    return sorted(set(problems), key=problems.index)
