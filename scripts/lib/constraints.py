"""The lock file: which packages Lotsen[dev] pulls in, at which installed versions.

Used by scripts/freeze-constraints (writes constraints.txt) and tests/core/test_constraints.py
(checks that pyproject.toml, constraints.txt and the running environment agree).
"""

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

HEADER = """\
# Every Python package Lotsen and its development tools run with, at the version CI tested.
# scripts/run-demo and scripts/test install with `pip install -c constraints.txt -e .[dev]`,
# so a fresh machine gets exactly these. After changing a pin in pyproject.toml:
#   .venv/bin/pip install -e '.[dev]' && .venv/bin/python scripts/freeze-constraints
# tests/core/test_constraints.py checks that pyproject.toml's pins and this file agree.
# Audit it where a vulnerability feed is reachable: pip-audit --no-deps -r constraints.txt
"""


def project_requirements(pyproject: Path, extras: tuple[str, ...] = ("dev",)) -> list[Requirement]:
    project = tomllib.loads(pyproject.read_text())["project"]
    specs = list(project["dependencies"])
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    return [Requirement(spec) for spec in specs]


def read_constraints(path: Path) -> dict[str, str]:
    """{canonical name: version} of every `name==version` line."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def dependency_closure(requirements: list[Requirement]) -> dict[str, str]:
    """{canonical name: installed version} of the requirements and all they need, recursively."""
    found: dict[str, str] = {}
    queue = [(requirement, "") for requirement in requirements]
    while queue:
        requirement, extra = queue.pop()
        environment = default_environment() | {"extra": extra}
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        name = canonicalize_name(requirement.name)
        distribution = metadata.distribution(requirement.name)
        wanted_extras = sorted(requirement.extras)
        key_seen = name in found
        found[name] = distribution.version
        if key_seen and not wanted_extras:
            continue
        for spec in distribution.requires or []:
            child = Requirement(spec)
            for each in wanted_extras or [""]:
                queue.append((child, each))
    return found
