"""Anonymous search statistics, the search report with its CSV, and content gaps."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from hall.audit.models import AuditEntry
from hall.extensions import db
from hall.reports import search_stats
from hall.reports.models import ContentGap, SearchStat
from hall.reports.search_stats import ContentGapError
from hall.sync.scheduler import Worker
from hall.timestamps import utcnow
from hall.users.services import PermissionDeniedError
from hall.workdays import china_date
from tests.builders import make_user
from tests.web_fixtures import build_sample_hall, index

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


@pytest.fixture
def sample(app):
    sample = build_sample_hall()
    index(app)
    return sample


@pytest.fixture
def admin(app):
    return make_user("root", role="admin")


def searched(client, query: str, **args) -> None:
    response = client.get(
        "/halls/county/search", query_string={"q": query, **args}, headers=BROWSER
    )
    assert response.status_code == 200


def stats() -> dict[str, tuple[int, int]]:
    rows = db.session.scalars(select(SearchStat).order_by(SearchStat.query))
    return {row.query: (row.searches, row.zero_results) for row in rows}


def add_stat(query: str, days_ago: int, searches: int, zero: int = 0) -> None:
    day = china_date(utcnow()) - timedelta(days=days_ago)
    db.session.add(
        SearchStat(hall_id="county", day=day, query=query, searches=searches, zero_results=zero)
    )
    db.session.commit()


def test_each_search_counts_once_per_day_with_its_empty_answers(client, sample):
    searched(client, "社会保险")
    searched(client, " 社會保險 ")  # the same query, normalised
    searched(client, "火星移民签证")

    assert stats() == {"社会保险": (2, 0), "火星移民签证": (1, 1)}
    row = db.session.scalars(select(SearchStat)).first()
    assert row.day == china_date(utcnow()) and row.hall_id == "county"


def test_paging_tabs_filters_bots_and_the_api_are_not_counted(client, sample):
    searched(client, "社会保险", page="2")
    searched(client, "社会保险", tab="answers")
    searched(client, "社会保险", kind="content")
    searched(client, "社会保险", verbatim="1")
    searched(client, "")
    client.get("/halls/county/search?q=社会保险", headers={"User-Agent": "Googlebot/2.1"})
    client.get("/halls/county/search?q=社会保险", headers={"User-Agent": ""})
    client.get("/api/v1/halls/county/search?q=社会保险", headers=BROWSER)

    assert stats() == {}


def test_a_corrected_search_counts_as_finding_nothing(client, sample):
    searched(client, "失业保线金")  # shows 失业保险金's results, but the query found none

    assert stats() == {"失业保线金": (1, 1)}


@pytest.mark.parametrize(
    "query",
    [
        "13800138000 社保",
        "身份证 33010219900101123X",
        "0571-12345678",
        "6222 0212 3456 7890",
        "zhang.san@example.com",
    ],
)
def test_queries_that_look_like_personal_data_are_not_kept(client, sample, query):
    searched(client, query)

    assert list(stats()) == ["[personal data]"]


def test_the_table_keeps_nothing_about_the_person(app):
    columns = {column["name"] for column in inspect(db.engine).get_columns("search_stat")}

    assert columns == {"id", "hall_id", "day", "query", "searches", "zero_results"}


def test_a_database_error_never_fails_the_page(client, sample, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database is gone")

    monkeypatch.setattr(search_stats, "_add", broken)
    response = client.get("/halls/county/search?q=社会保险", headers=BROWSER)

    assert response.status_code == 200 and "缴费基数的通知" in response.text
    assert stats() == {}


def test_the_report_lists_top_and_zero_result_queries_of_the_period(sample, admin):
    add_stat("社保", 0, 5)
    add_stat("社保", 10, 4)
    add_stat("火星签证", 1, 3, zero=3)
    add_stat("公积金", 40, 9)

    week = search_stats.search_report(admin, "county", 7)
    month = search_stats.search_report(admin, "county", 30)
    quarter = search_stats.search_report(admin, "county", 90)

    assert [(r.query, r.searches) for r in week.top] == [("社保", 5), ("火星签证", 3)]
    assert [(r.query, r.searches) for r in month.top] == [("社保", 9), ("火星签证", 3)]
    assert quarter.top[0].query == "公积金" and quarter.searches == 21
    assert [(r.query, r.zero_results) for r in week.zero] == [("火星签证", 3)]
    with pytest.raises(PermissionDeniedError):
        search_stats.search_report(make_user("op-hrss"), "county", 7)


def test_the_csv_neutralises_queries_that_would_run_as_formulas(sample, admin):
    add_stat('=HYPERLINK("http://x")', 0, 2, zero=2)
    add_stat("社保", 0, 1)

    body = search_stats.report_csv_bytes(admin, "county", 7).decode("utf-8")

    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows == [
        ["query", "searches", "zero_results"],
        ['\'=HYPERLINK("http://x")', "2", "2"],
        ["社保", "1", "0"],
    ]


def test_old_statistics_are_purged_by_the_daily_job(app, sample):
    app.config["SEARCH_STATS_RETENTION_DAYS"] = 30
    add_stat("新", 30, 1)
    add_stat("旧", 31, 1)

    Worker(app).health_snapshot()

    assert stats() == {"新": (1, 0)}


def test_a_zero_result_query_is_routed_to_a_department_of_the_hall(sample, admin):
    gap = search_stats.route_gap(
        admin, "county", query="火星签证", department_id="hrss", note="请补充说明"
    )

    assert gap.status == "open" and gap.routed_by == admin.id
    entry = db.session.scalars(select(AuditEntry).filter_by(action="content_gap.route")).one()
    assert entry.after["query"] == "火星签证"
    with pytest.raises(ContentGapError):  # once is enough while it is open
        search_stats.route_gap(admin, "county", query="火星签证", department_id="hrss", note="")
    with pytest.raises(ContentGapError):  # the market bureau is not in this hall
        search_stats.route_gap(admin, "county", query="火星签证", department_id="market", note="")
    with pytest.raises(PermissionDeniedError):
        search_stats.route_gap(
            make_user("op-hrss"), "county", query="x", department_id="hrss", note=""
        )


def test_operators_see_and_resolve_only_their_departments_gaps(sample, admin):
    ours = search_stats.route_gap(admin, "county", query="火星签证", department_id="hrss", note="")
    theirs = search_stats.route_gap(
        admin, "county", query="月球户口", department_id="police", note=""
    )
    operator = make_user("op-hrss", departments=["hrss"])
    db.session.commit()

    assert search_stats.gaps_for(operator) == [ours]
    assert set(search_stats.gaps_for(admin)) == {ours, theirs}
    with pytest.raises(PermissionDeniedError):
        search_stats.resolve_gap(operator, theirs.id, status="dismissed", resolution=None)
    with pytest.raises(ContentGapError):
        search_stats.resolve_gap(operator, ours.id, status="answered", resolution="")

    search_stats.resolve_gap(
        operator, ours.id, status="answered", resolution="已发布《火星签证办理指南》"
    )

    assert db.session.get(ContentGap, ours.id).resolved_by == operator.id
    assert search_stats.gaps_for(operator) == []
    assert search_stats.gaps_for(operator, "answered") == [ours]
    with pytest.raises(ContentGapError):
        search_stats.resolve_gap(operator, ours.id, status="dismissed", resolution=None)


def test_report_page_and_csv_download(app, sample):
    from tests.admin.conftest import signed_in

    make_user("root", role="admin")
    add_stat("火星签证", 0, 3, zero=3)
    client, token = signed_in(app, "root", token_page="/admin/halls/county/search-report")

    page = client.get("/admin/halls/county/search-report?days=30").get_data(as_text=True)
    download = client.get("/admin/halls/county/search-report.csv?days=30")
    routed = client.post(
        "/admin/halls/county/gaps",
        data={"csrf_token": token, "query": "火星签证", "department_id": "police", "note": ""},
    )

    assert "火星签证" in page and "近 30 天" in page and 'value="police"' in page
    assert download.headers["Content-Disposition"].endswith('search-county-30d.csv"')
    assert "火星签证,3,3" in download.get_data(as_text=True)
    assert routed.status_code == 302
    assert db.session.scalars(select(ContentGap)).one().department_id == "police"
