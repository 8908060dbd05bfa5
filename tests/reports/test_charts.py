import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from hall.extensions import db
from hall.reports.charts import ChartIdError, status_bars, weekly_bars
from hall.reports.health import compute_health, department_report, weekly_item_counts
from tests.builders import make_department
from tests.reports.conftest import NOW, add_account

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))


def test_status_bars_are_accessible_and_labelled(every_status):
    root = parse(status_bars(compute_health(now=NOW), title="账号健康", chart_id="county"))

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "county-title county-desc"
    assert root.find(f"{SVG}title").text == "账号健康"
    description = root.find(f"{SVG}desc").text
    assert "人力资源和社会保障局: 活跃 2，预警 1，休眠 2，已暂停 1，已关停 1" in description
    assert "教育局: 预警 1，不活跃 2" in description
    texts = [text.text for text in root.iter(f"{SVG}text")]
    # The legend names every status with its count, so colour is never the only cue.
    for label in ("活跃 2", "预警 2", "不活跃 2", "休眠 2", "已暂停 1", "已关停 1"):
        assert label in texts
    fills = {
        rect.get("fill") for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None
    }
    assert "url(#county-inactive)" in fills


def test_status_bars_in_english():
    healths = []
    root = parse(status_bars(healths, title="Account health", language="en"))

    assert root.find(f"{SVG}desc").text == "no accounts"


def test_department_names_are_escaped(app):
    make_department("evil", name='<script>alert("x")</script> & \x0b局')
    add_account("evil-web", NOW, department="evil")
    db.session.commit()

    svg = status_bars(department_report("evil", now=NOW).rows, title="<b>health</b>")

    assert "<script>" not in svg
    assert "<b>" not in svg
    root = parse(svg)  # well-formed: the escaped name and no control character
    assert root.find(f"{SVG}title").text == "<b>health</b>"
    assert '<script>alert("x")</script> & 局: 活跃 1' in root.find(f"{SVG}desc").text


def test_weekly_bars(every_status):
    weeks = weekly_item_counts(account_id="active-0", now=NOW)
    root = parse(weekly_bars(weeks, title="active-0 每周新增", language="en"))

    assert root.get("role") == "img"
    assert root.find(f"{SVG}desc").text.startswith("Items per week (week starting, count): 04-07 0")
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert labels.count("2") == 1 and labels.count("1") == 1
    assert "06-23" in labels  # the last window, 23-30 June
    bars = [rect for rect in root.iter(f"{SVG}rect")]
    assert len(bars) == 12
    assert float(bars[7].get("height")) > float(bars[11].get("height")) > 0


def test_chart_ids_must_be_plain_names():
    with pytest.raises(ChartIdError):
        status_bars([], title="x", chart_id='a" onload="alert(1)')
