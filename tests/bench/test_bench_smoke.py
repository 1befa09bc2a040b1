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
