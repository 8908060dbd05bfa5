from datetime import UTC, datetime

import pytest

from connectors.mapping import (
    RecordBuilder,
    UnusableItemError,
    check_kind,
    check_mapping,
    parse_time,
)


def build(values, kind="service", separator=";"):
    builder = RecordBuilder(
        kind=kind, base_url="https://www.sz.gov.cn/cn/xxgk/", list_separator=separator
    )
    return builder.build({"external_id": "1", "title": "事项", **values})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026/11/01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026.11.1", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026年11月1日", datetime(2026, 11, 1, tzinfo=UTC)),
        ("２０２６年１１月１日", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026年11月1日 9时30分", datetime(2026, 11, 1, 9, 30, tzinfo=UTC)),
        ("2026/11/1 09:30:15", datetime(2026, 11, 1, 9, 30, 15, tzinfo=UTC)),
        ("2026-11-01T09:30:00+08:00", datetime(2026, 11, 1, 1, 30, tzinfo=UTC)),
        ("2026-11-01 09:30 +0800", datetime(2026, 11, 1, 1, 30, tzinfo=UTC)),
        ("2026-11-01T09:30:00.250Z", datetime(2026, 11, 1, 9, 30, 0, 250000, tzinfo=UTC)),
        ("20261101", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026年11月", datetime(2026, 11, 1, tzinfo=UTC)),
        ("11/2026", datetime(2026, 11, 1, tzinfo=UTC)),
        ("Sun, 01 Nov 2026 08:00:00 GMT", datetime(2026, 11, 1, 8, tzinfo=UTC)),
        (1793491200, datetime(2026, 11, 1, tzinfo=UTC)),  # epoch seconds
        (1793491200000, datetime(2026, 11, 1, tzinfo=UTC)),  # epoch milliseconds
        ("1970-01-01", None),  # a placeholder, not a date
        ("1900年1月1日", None),
        ("2099-01-01", None),  # the future: not yet published
        (None, None),
        ("  ", None),
    ],
)
def test_dates_are_read(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize(
    "value", ["2026-02-30", "2026年13月1日", "Obsolete", "下周一", "3/5/2026", True, {"y": 2026}]
)
def test_text_that_is_no_date_is_refused(value):
    with pytest.raises(ValueError):
        parse_time(value)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("statutory_time_limit", "20个工作日", {"value": 20, "unit": "working_days"}),
        ("statutory_time_limit", "20", {"value": 20, "unit": "working_days"}),
        ("promised_time_limit", "3 days", {"value": 3, "unit": "days"}),
        ("promised_time_limit", "2小时", {"value": 2, "unit": "hours"}),
        ("promised_time_limit", "即办", "即办"),  # passed on: the guide model judges it
        ("promised_time_limit", {"value": 5}, {"value": 5}),
        ("fee", "不收费", {"charged": False}),
        ("fee", "是", {"charged": True}),
        ("fee", "工本费20元", "工本费20元"),
        ("online_payment", "支持", True),
        ("online_payment", False, False),
        ("handling_type", "即办件", "on_the_spot"),
        ("visits", "0次", 0),
        ("visits", 1, 1),
        ("audience", "自然人;法人;外国人", ["individual", "business", "外国人"]),
        ("conditions", "年满18周岁；具有本市户籍", ["年满18周岁", "具有本市户籍"]),
        ("legal_basis", ["《行政许可法》", " ", 7], ["《行政许可法》", "7"]),
        ("materials", "身份证;;户口簿", [{"name": "身份证"}, {"name": "户口簿"}]),
        ("materials", {"name": "身份证"}, [{"name": "身份证"}]),
        ("service_points", ["市民中心B区"], [{"name": "市民中心B区"}]),
        ("item_code", 11440300, "11440300"),
        ("online_url", "/bs/1.html", "https://www.sz.gov.cn/bs/1.html"),
        ("enquiry_phone", " 12345 ", "12345"),
    ],
)
def test_guide_values_are_read(field, value, expected):
    built = build({field: value})
    assert built.record.guide == {field: expected} and not built.problems


def test_without_a_separator_text_is_one_item():
    built = build({"tags": "a;b", "conditions": "a;b"}, separator=None)
    assert built.record.tags == ["a;b"] and built.record.guide == {"conditions": ["a;b"]}


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"summary": {"zh": "x"}}, "summary is an object where text was expected; left out"),
        ({"tags": [{"name": "x"}]}, "tags is an object where text was expected; left out"),
        ({"url": "mailto:a@b.cn"}, "url 'mailto:a@b.cn' is not an http(s) URL; left out"),
        (
            {"enquiry_phone": ["1", "2"]},
            "enquiry_phone is a list where text was expected; left out",
        ),
        ({"published_at": "明天"}, "published_at '明天' is not a date; left out"),
    ],
)
def test_values_of_the_wrong_type_are_left_out_and_reported(values, problem):
    built = build(values)
    assert built.problems == [problem]
    assert (built.record.external_id, built.record.title) == ("1", "事项")


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"external_id": None}, "has no external_id"),
        ({"external_id": "  "}, "has no external_id"),
        ({"title": ""}, "has no title"),
        ({"title": ["a"]}, "its title is a list where text was expected"),
    ],
)
def test_items_without_id_or_title_are_unusable(values, reason):
    with pytest.raises(UnusableItemError, match=reason):
        build(values)


def test_content_records_carry_no_guide_and_extras_are_kept():
    built = build({"extra:部门": " 水务局 ", "extra:raw": {"a": [1]}}, kind="content")
    assert built.record.guide is None
    assert built.record.extra == {"部门": "水务局", "raw": {"a": [1]}}


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"external_id": "a", "title": "b"}, None),
        ({"external_id": "a", "title": "b", "extra:x": "c", "fee": "d"}, None),
        ({"title": "b"}, "must map external_id"),
        ({}, "must map external_id and title"),
        ({"external_id": "a", "title": "b", "author": "c"}, "unknown targets: author"),
        ({"external_id": "a", "title": 3}, "as text: title"),
    ],
)
def test_mappings_are_checked(mapping, message):
    found = check_mapping(mapping)
    assert found == message or (message and message in found)


def test_guide_targets_need_service_records():
    assert check_kind({"fee": "x"}, "service") is None
    assert 'need kind "service"' in check_kind({"fee": "x", "extra:y": "z"}, "content")
