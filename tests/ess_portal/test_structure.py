"""The shape of the code: the API's views state their policy, no import cycle, `directory` never imports `projects`."""

import ast
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("directory", "projects", "observatory", "awards", "purchasing", "ess_portal")


def _views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_api_view_states_its_authentication_permissions_and_throttles():
    api_views = [(route, view) for route, view in _views(get_resolver().url_patterns) if route.startswith("api/v1/")]
    assert len(api_views) > 10
    for route, view in api_views:
        view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
        if view_class is None:  # the JSON 404 of any other address
            continue
        initkwargs = getattr(view, "initkwargs", None) or getattr(view, "view_initkwargs", {})
        for policy in ("authentication_classes", "permission_classes", "throttle_classes"):
            stated = policy in initkwargs or any(policy in vars(klass) for klass in view_class.__mro__[:-3])
            assert stated, f"{route}: {view_class.__name__} does not state its {policy}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _first_party_imports() -> dict[str, set[str]]:
    """Module → the first-party modules it imports at module level (not in functions)."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            modules[_module_name(path)] = path
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            targets |= {c for c in candidates if c in modules and c != name}
        graph[name] = targets
    return graph


def test_there_is_no_import_cycle_between_modules():
    graph = _first_party_imports()
    done, stack = set(), []

    def visit(module):
        if module in stack:
            raise AssertionError("import cycle: " + " → ".join([*stack[stack.index(module) :], module]))
        if module in done:
            return
        stack.append(module)
        for target in sorted(graph[module]):
            # A package's submodules may name the package they live in (its __init__ imports them).
            if not module.startswith(target + "."):
                visit(target)
        stack.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_the_directory_never_imports_the_tracker():
    for module, targets in _first_party_imports().items():
        if module.startswith("directory"):
            assert not [t for t in targets if t.startswith("projects")], module


# Which app may import which: the directory stands alone; the tracker, the observatory and the buyers'
# entry point build on it; the awards on all three. `ess_portal` (settings, URLs, the API's library)
# is shared by all. `load_demo`'s list of demo loaders is the one place that names every app.
APP_LAYERS = {
    "directory": set(),
    "projects": {"directory"},
    "observatory": {"directory"},
    "purchasing": {"directory"},
    "awards": {"directory", "projects", "observatory"},
}
WIRING = {"projects.management.commands.load_demo"}


def test_each_app_imports_only_the_apps_it_builds_on():
    for module, targets in _first_party_imports().items():
        app = module.split(".", 1)[0]
        if app not in APP_LAYERS or module in WIRING:
            continue
        others = {target.split(".", 1)[0] for target in targets} & set(APP_LAYERS) - {app}
        assert others <= APP_LAYERS[app], (module, others - APP_LAYERS[app])
