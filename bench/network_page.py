"""Load time and weight of pages in Chromium (Debian's, through Playwright), against a running server.

    .venv/bin/python bench/network_page.py http://127.0.0.1:8123 /annuaire/reseau/ '/annuaire/reseau/?commune=93048'

For each path: four visits in fresh browser contexts, the first one warming the server; prints the
medians of the other three (time to first byte, DOMContentLoaded, load, the network graph drawn —
its element carries `data-node-count` — in ms; bytes and requests of every answer). The server is
the production configuration (DEBUG=0, collectstatic, gunicorn): the browser sends
`X-Forwarded-Proto: https`, as a proxy in front of it would.
"""

import contextlib
import json
import statistics
import sys

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

base = sys.argv[1]
paths = sys.argv[2:] or ["/annuaire/reseau/"]
results = {}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    for path in paths:
        runs = []
        for attempt in range(4):
            context = browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
            page = context.new_page()
            sizes = {}
            page.on("response", lambda r, sizes=sizes: sizes.__setitem__(r.url, len(r.body()) if r.ok else 0))
            page.goto(base + path, wait_until="load", timeout=120000)
            with contextlib.suppress(PlaywrightTimeout):  # a page without a graph
                page.wait_for_selector("[data-node-count]", timeout=60000)
            timing = page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " const g = document.querySelector('[data-node-count]');"
                " return {ttfb: n.responseStart, dom: n.domContentLoadedEventEnd, load: n.loadEventEnd,"
                " graph: performance.now(), nodes: g && g.dataset.nodeCount, edges: g && g.dataset.edgeCount,"
                " html: n.transferSize, decoded: n.decodedBodySize} }"
            )
            timing["bytes_all"] = sum(sizes.values())
            timing["requests"] = len(sizes)
            if attempt:  # the first run warms the server's caches
                runs.append(timing)
            context.close()
        results[path] = {
            key: statistics.median([float(r[key]) for r in runs]) if runs[0][key] is not None else None
            for key in ("ttfb", "dom", "load", "graph", "bytes_all", "requests", "html", "decoded")
        }
        results[path]["nodes"] = runs[0]["nodes"]
        results[path]["edges"] = runs[0]["edges"]
    browser.close()
print(json.dumps(results, indent=1))
