"""Schemathesis against the live API, on each database: every operation, its examples, boundary
values, fuzzed and negative data, and stateful sequences along the document's links (create a
case, then read it, add a message, change its status …), with every check schemathesis has.
No failure and no server error (the live server fails the test on any 5xx as well)."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from lotsen.accounts.models import Role
from lotsen.cases import services as case_services
from lotsen.extensions import db
from lotsen.visits import services as visit_services
from tests.api.helpers import issue
from tests.companies.helpers import PERSONAL_NUMBER, make_company
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 5
SEED = 2026


def seed_data():
    """Something for every operation to find: categories, companies, a case, a visit."""
    department = DepartmentFactory()
    CategoryFactory(name="Bygglov")
    category = CategoryFactory(name="Livsmedel")
    official = UserFactory(roles=[Role.OFFICIAL])
    official.departments.append(department)
    company = make_company(name="Bageriet i Lerum AB", town="Lerum")
    make_company(org_number=PERSONAL_NUMBER, name="Anna Svensson Konsult")
    case, _link = case_services.open_case(
        case_services.Submission(
            submitter_name="Lina Berg",
            submitter_email="lina@solrosen.example",
            subject="Uteservering",
            description="Vad behöver vi söka?",
            category_id=category.id,
        )
    )
    visit = visit_services.save_visit(
        official,
        None,
        visit_services.VisitData(
            company=company, starts_at=datetime(2026, 3, 10, 8, tzinfo=UTC), purpose="Besök"
        ),
    )
    visit_services.add_follow_up(
        official, visit, "Ring tillbaka", official, datetime(2026, 3, 20).date()
    )
    db.session.commit()
    return case


def run_schemathesis(base_url: str, secret: str, report: Path) -> subprocess.CompletedProcess:
    """The CLI in its own folder (it keeps a cache of what it found there), never the repo."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {secret}",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    environment = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=900,
        env=environment,
        cwd=report.parent,
    )


def test_schemathesis_finds_no_failure_on_the_live_api(app, live_server, tmp_path):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "100000 per minute"
    app.config["PERSONAL_NUMBER_SEARCH_RATE_LIMIT"] = "100000 per day"
    seed_data()
    everyone = UserFactory(roles=list(Role))
    secret, _token = issue(account=everyone)  # every scope, companies:personal included
    report = tmp_path / "junit.xml"
    result = run_schemathesis(live_server.url, secret, report)
    output = result.stdout + result.stderr
    summary = [line for line in output.splitlines() if "passed" in line or "failed" in line]
    print("\n".join(summary[-5:]))
    assert result.returncode == 0, output[-6000:]
    assert report.exists()
    assert "API Operations" in output or "operations" in output.lower()
    assert not live_server.server_errors
