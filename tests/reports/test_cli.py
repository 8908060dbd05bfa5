import csv

import pytest

import hall.reports.health
from tests.reports.conftest import NOW


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(hall.reports.health, "utcnow", lambda: NOW)


def test_report_prints_counts_and_every_account(every_status, runner):
    result = runner.invoke(args=["health", "report"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "all accounts: 10 accounts, 2024-06-30 12:00Z"
    assert lines[1] == "active 2  warning 2  inactive 2  dormant 2  suspended 1  closed 1"
    row = next(line for line in lines if line.startswith("active-0 "))
    assert row.split()[:7] == ["active-0", "active", "2024-06-30", "0", "2", "unchecked", "2"]
    assert row.endswith("人力资源和社会保障局 / active-0 网站")
    assert sum(1 for line in lines[3:]) == 10


def test_report_of_a_department_or_a_hall(every_status, runner):
    education = runner.invoke(args=["health", "report", "--department", "edu"])
    county = runner.invoke(args=["health", "report", "--hall", "county"])

    assert education.output.startswith("教育局: 3 accounts")
    assert county.output.startswith("某某县政务服务大厅: 3 accounts")
    assert "warning-14" in county.output and "inactive-15" not in county.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--department", "nowhere"], "no department nowhere"),
        (["--hall", "nowhere"], "no hall nowhere"),
        (["--department", "edu", "--hall", "county"], "not both"),
    ],
)
def test_report_refuses_bad_scopes(every_status, runner, args, message):
    result = runner.invoke(args=["health", "report", *args])

    assert result.exit_code == 2
    assert message in result.output


def test_report_as_csv(every_status, runner, tmp_path):
    path = tmp_path / "health.csv"

    result = runner.invoke(args=["health", "report", "--hall", "county", "--csv", str(path)])

    assert result.exit_code == 0, result.output
    assert result.output == f"3 accounts written to {path}\n"
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    # By department, then account.
    assert [(row["account_id"], row["status"]) for row in rows] == [
        ("warning-14", "warning"),
        ("active-0", "active"),
        ("closed", "closed"),
    ]
    assert rows[1]["department_name"] == "人力资源和社会保障局"


def test_check_lists_accounts_needing_attention(every_status, runner):
    result = runner.invoke(args=["health", "check"])

    assert result.exit_code == 0  # a daily job fails only when the check itself breaks
    assert result.output.splitlines() == [
        "inactive-15 (教育局 / inactive-15 网站)",
        "    inactive: 15 days since the last item",
        "inactive-90 (教育局 / inactive-90 网站)",
        "    inactive: 90 days since the last item",
        "    no interaction channel filed",
        "active-0 (人力资源和社会保障局 / active-0 网站)",
        '    sync failing (2 in a row): HTTP 503 from =HYPERLINK("x")',
        "dormant-91 (人力资源和社会保障局 / dormant-91 网站)",
        "    dormant: 91 days since the last item",
        "dormant-none (人力资源和社会保障局 / dormant-none 网站)",
        "    dormant: no items ever",
        "5 of 10 accounts need attention",
    ]
