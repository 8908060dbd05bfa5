import csv
import io

import pytest

from hall.reports.export import COLUMNS, health_csv_bytes, neutralise_cell
from hall.reports.health import compute_health
from tests.builders import make_department
from tests.reports.conftest import NOW, add_account


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil","click")', '\'=HYPERLINK("http://evil","click")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("人社局", "人社局"),
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (7, "7"),
        (NOW, "2024-06-30T12:00:00Z"),
    ],
)
def test_neutralise_cell(value, cell):
    assert neutralise_cell(value) == cell


def test_csv_round_trips_chinese_and_neutralises_formulas(app):
    make_department("evil", name='=HYPERLINK("http://evil","人社局")')
    add_account("plus", NOW, department="evil", name="+1 微博")
    add_account("minus", NOW, department="evil", name="-1 网站")
    add_account("at", NOW, department="evil", name="@SUM(A1) 公众号")

    data = health_csv_bytes(compute_health(now=NOW))

    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(COLUMNS)
    assert [row["account_name"] for row in rows] == ["'@SUM(A1) 公众号", "'-1 网站", "'+1 微博"]
    assert {row["department_name"] for row in rows} == {'\'=HYPERLINK("http://evil","人社局")'}
    assert rows[0]["status"] == "active"
    assert rows[0]["last_item_at"] == "2024-06-30T12:00:00Z"
    # Channels listed, never checked: cannot tell yet.
    assert (rows[0]["interaction_ok"], rows[0]["channel_state"]) == ("", "unchecked")


def test_sync_errors_are_neutralised_too(every_status):
    rows = list(
        csv.DictReader(io.StringIO(health_csv_bytes(compute_health(now=NOW)).decode("utf-8-sig")))
    )
    errors = {row["account_id"]: row["last_error"] for row in rows if row["last_error"]}

    assert errors == {
        "active-0": 'HTTP 503 from =HYPERLINK("x")',  # a formula only at the start runs
        "warning-8": "'-ERR connection refused",
    }
