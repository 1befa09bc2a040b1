"""The lock file (constraints.txt) agrees with pyproject.toml and with what the tests run on."""

import ast
import importlib.util
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("constraints", ROOT / "scripts/lib/constraints.py")
constraints = importlib.util.module_from_spec(spec)
spec.loader.exec_module(constraints)


def test_every_pin_in_pyproject_is_locked_at_the_same_version():
    locked = constraints.read_constraints(ROOT / "constraints.txt")
    for requirement in constraints.project_requirements(ROOT / "pyproject.toml"):
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"pin {requirement} exactly in pyproject.toml"
        name = canonicalize_name(requirement.name)
        assert locked.get(name) == specifier.version, (
            f"{name}: pyproject.toml says {specifier.version}, constraints.txt {locked.get(name)}"
            " (run scripts/freeze-constraints)"
        )


def test_the_lock_lists_exactly_what_lotsen_pulls_in_at_the_installed_versions():
    locked = constraints.read_constraints(ROOT / "constraints.txt")
    installed = constraints.dependency_closure(
        constraints.project_requirements(ROOT / "pyproject.toml")
    )
    assert installed == locked, "run scripts/freeze-constraints after installing the new pins"


def test_both_readme_commands_install_from_the_lock():
    setup = (ROOT / "scripts/lib/setup.sh").read_text()
    assert '-c "$ROOT/constraints.txt"' in setup
    for script in ("scripts/run-demo", "scripts/test"):
        assert "ensure_venv" in (ROOT / script).read_text()


def test_test_only_packages_are_never_imported_by_the_application():
    """python-stdnum, schemathesis and standardwebhooks are in the dev extra only: the tests check
    our org-number rules, the API and webhook signatures with them, so the application must not
    need them at run time."""
    test_only = {"stdnum", "schemathesis", "standardwebhooks"}
    for path in (ROOT / "lotsen").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] not in test_only, f"{path} imports {module}"
