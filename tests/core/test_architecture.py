"""The layers of README's Architecture section, checked on the package's import graph.

import-linter holds the same line in the test command (the contracts in pyproject.toml); this
test walks grimp's graph (import-linter's engine) with its own copy of the layers, so the rule
holds even if someone edits the contract. grimp reads every import statement, including those
inside functions, so an import moved into a function to dodge a cycle still counts.
"""

import grimp
import pytest

# Lowest first. Each name is a package or module directly under lotsen.
LAYERS = {
    "foundation": {
        "accounts",
        "audit",
        "mail",
        "settings",
        "extensions",
        "db_types",
        "config",
        "errors",
        "pagination",
        "i18n",
        "form_fields",
        "urls",
        "request_input",
        "html_limits",
        "security",
        "routing",
        "rate_limits",
        "logging_setup",
        "exports",
        "backup",
        "domain_errors",
        "writes",
    },
    "core": {"cases", "companies", "timekeeping", "programme"},
    "work": {
        "triage",
        "team",
        "visits",
        "survey",
        "notifications",
        "search",
        "replies",
        "inbound",
    },
    "whole": {"reports", "strategy", "webhooks"},
    "edges": {"public", "main", "admin", "api"},
    "assembly": {"cli", "demo", "demo_cases", "models", "templating", "database"},
}
ORDER = list(LAYERS)
ROOT = "lotsen"


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(ROOT, cache_dir=None)


def top_name(module: str) -> str | None:
    """The package or module directly under lotsen that `module` belongs to (None: lotsen)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def layer_of(module: str) -> str | None:
    name = top_name(module)
    return next((layer for layer, names in LAYERS.items() if name in names), None)


def direct_imports(graph):
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            yield importer, imported


def describe(graph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    lines = ", ".join(f"l.{d['line_number']}" for d in details)
    return f"{importer} -> {imported} ({lines})"


def upward_imports(graph) -> list[str]:
    """Every import from a lower layer of a module of a higher one."""
    found = []
    for importer, imported in direct_imports(graph):
        low, high = layer_of(importer), layer_of(imported)
        if low is None or high is None:  # lotsen itself: create_app assembles everything
            continue
        if ORDER.index(high) > ORDER.index(low):
            found.append(describe(graph, importer, imported))
    return found


def is_views(module: str) -> bool:
    return module.split(".")[-1] == "views"


def views_importing_other_views(graph) -> list[str]:
    """Every import of one domain's views by another domain's views."""
    return [
        describe(graph, importer, imported)
        for importer, imported in direct_imports(graph)
        if is_views(importer) and is_views(imported) and top_name(importer) != top_name(imported)
    ]


def cycles(graph) -> list[str]:
    """Every import that closes a cycle (the imported module imports its importer, maybe
    through others)."""
    return [
        describe(graph, importer, imported)
        for importer, imported in direct_imports(graph)
        if graph.chain_exists(importer=imported, imported=importer)
    ]


def test_every_module_has_a_layer(graph):
    unplaced = sorted(m for m in graph.modules if m != ROOT and layer_of(m) is None)
    assert unplaced == [], "add these to a layer (README, pyproject.toml and LAYERS here)"


def test_no_module_imports_a_higher_layer(graph):
    assert upward_imports(graph) == []


def test_no_view_imports_another_domains_view(graph):
    assert views_importing_other_views(graph) == []


def test_the_import_graph_has_no_cycle(graph):
    """No cycle at all, so none is hidden by an import inside a function."""
    assert cycles(graph) == []


# --- The checks themselves find what they look for -----------------------------------------


def small_graph(*imports: tuple[str, str]):
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(
            importer=importer, imported=imported, line_number=3, line_contents=f"import {imported}"
        )
    return graph


def test_an_upward_import_is_found():
    graph = small_graph(
        ("lotsen.cases.workflow", "lotsen.survey.services"),
        ("lotsen.survey.services", "lotsen.cases.models"),
    )
    assert upward_imports(graph) == ["lotsen.cases.workflow -> lotsen.survey.services (l.3)"]


def test_a_view_importing_another_domains_view_is_found():
    graph = small_graph(
        ("lotsen.visits.views", "lotsen.public.views"),
        ("lotsen.reports.delay.views", "lotsen.reports.views"),
    )
    assert views_importing_other_views(graph) == [
        "lotsen.visits.views -> lotsen.public.views (l.3)"
    ]


def test_a_cycle_through_a_third_module_is_found():
    graph = small_graph(
        ("lotsen.timekeeping.calendar", "lotsen.timekeeping.queries"),
        ("lotsen.timekeeping.queries", "lotsen.timekeeping.models"),
        ("lotsen.timekeeping.models", "lotsen.timekeeping.calendar"),
        ("lotsen.timekeeping.views", "lotsen.timekeeping.queries"),
    )
    assert len(cycles(graph)) == 3
    assert not any(line.startswith("lotsen.timekeeping.views") for line in cycles(graph))
