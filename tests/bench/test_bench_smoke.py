"""Tiny runs of the benchmark scripts, so they keep working (the real runs are by hand)."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(script: str, *args: str, tmp_path) -> str:
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", script), *args, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_import_benchmark_runs_on_both_databases(tmp_path):
    output = run("bench_company_import.py", "--rows", "1500", "--db", "both", tmp_path=tmp_path)
    for database in ("sqlite", "postgresql"):
        assert f"{database}: 1,500 rows read" in output
    assert output.count("import / floor =") == 2
    assert output.count("import / schema floor =") == 2
    assert output.count("companies (same as import)") == 2
    assert output.count("re-import: ") == 2 and "0 inserted" in output


def test_search_benchmark_runs_on_both_databases(tmp_path):
    output = run(
        "bench_company_search.py",
        "--rows",
        "1500",
        "--queries",
        "5",
        "--db",
        "both",
        tmp_path=tmp_path,
    )
    for search in ("orgnr", "name prefix", "name words"):
        assert output.count(f"  {search}") == 2


def test_dashboard_benchmark_gives_the_floors_figures_on_both_databases(tmp_path):
    output = run(
        "bench_dashboard.py", "--cases", "2000", "--runs", "1", "--db", "both", tmp_path=tmp_path
    )
    for database in ("sqlite", "postgresql"):
        assert f"{database}: 2,000 cases loaded" in output
    assert output.count("service / floor") == 2
    assert output.count("year 2025: service and floor figures identical") == 2
    assert output.count("all time: service and floor figures identical") == 2
    assert "DIFFERENT" not in output


def test_case_pages_benchmark_times_every_page_on_both_databases(tmp_path):
    output = run(
        "bench_case_pages.py",
        "--cases",
        "300,600",
        "--requests",
        "3",
        "--db",
        "both",
        tmp_path=tmp_path,
    )
    for database in ("sqlite", "postgresql"):
        assert f"{database}: 300 cases loaded" in output
        assert f"{database}: 600 cases loaded" in output
        assert f"{database}: server-side time per request (ms)" in output
    for page in ("triage", "my cases", "case", "company"):
        assert output.count(f"  {page}: SQL statements per request the same at every size") == 2
    assert "DIFFERENT" not in output
    assert (tmp_path / "case-pages.json").exists()


def test_case_search_benchmark_times_every_query_kind_on_both_databases(tmp_path):
    output = run(
        "bench_case_search.py", "--cases", "300", "--repeats", "2", "--db", "both",
        tmp_path=tmp_path,
    )  # fmt: skip
    for database in ("sqlite", "postgresql"):
        assert f"{database}: 300 cases, ~9 messages each" in output
    for kind in ("common word", "two words", "rare word", "phrase", "word + filters"):
        assert output.count(f"  {kind}") == 2


def test_intake_benchmark_loads_both_apps_without_errors(tmp_path):
    output = run(
        "bench_intake.py",
        "--db",
        "both",
        "--seconds",
        "1",
        "--rounds",
        "1",
        "--clients",
        "2",
        "--workers",
        "1",
        tmp_path=tmp_path,
    )
    for database in ("sqlite", "postgresql"):
        assert f"{database}: 2 clients, 1 gunicorn workers" in output
    assert output.count("errors: 0 (floor: 0)") == 2
    assert output.count("submissions / floor =") == 2
    # SQLite 13, PostgreSQL 12: the search document of the new case included (README, Benchmarks)
    assert "round trips per POST: 13" in output and "round trips per POST: 12" in output


def test_mail_intake_benchmark_runs_on_both_databases():
    result = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "bench", "bench_mail_intake.py"),
            "--messages",
            "20",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for database in ("sqlite", "postgresql"):
        assert f"{database}: 20 messages delivered" in result.stdout
        assert "fetched and processed by 2 worker(s)" in result.stdout
        assert "(20 processed, 0 failed, 0 duplicates)" in result.stdout
        assert f"{database}: delivery to visible on the case with IDLE" in result.stdout


def test_api_benchmark_compares_the_api_with_the_pages_on_both_databases(tmp_path):
    output = run(
        "bench_api.py",
        "--cases",
        "600",
        "--companies",
        "1500",
        "--requests",
        "3",
        "--creations",
        "3",
        "--db",
        "both",
        tmp_path=tmp_path,
    )
    for database in ("sqlite", "postgresql"):
        assert f"{database}: 600 cases loaded" in output
        assert f"{database}: 1,500 companies imported" in output
    assert output.count("api/html p95 =") == 4
    assert output.count("  case creation") == 2
