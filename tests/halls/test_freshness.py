"""How fresh a result is, in words, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hall.halls.freshness import freshness_text, relative_time, source_label

NOW = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "zh", "en"),
    [
        (timedelta(seconds=20), "刚刚", "just now"),
        (timedelta(minutes=1), "1 分钟前", "1 minute ago"),
        (timedelta(minutes=59), "59 分钟前", "59 minutes ago"),
        (timedelta(hours=2, minutes=30), "2 小时前", "2 hours ago"),
        (timedelta(days=1), "1 天前", "1 day ago"),
        (timedelta(days=29, hours=23), "29 天前", "29 days ago"),
        (timedelta(days=45), "于 2024-05-16 ", "on 2024-05-16"),  # a date, in China time
        (timedelta(minutes=-5), "刚刚", "just now"),  # a clock slightly ahead
    ],
)
def test_relative_time_in_both_languages(age, zh, en):
    assert relative_time(NOW - age, "zh", NOW) == zh
    assert relative_time(NOW - age, "en", NOW) == en


def test_the_source_names_the_platform_unless_the_name_says_it():
    assert source_label("县人社局网站", "网站", "zh") == "县人社局网站"
    assert source_label("平安某市", "微博", "zh") == "平安某市（微博）"
    assert source_label("平安某市", "Micro-blog", "en") == "平安某市 (Micro-blog)"


def test_the_whole_sentence():
    moment = NOW - timedelta(hours=2)

    assert freshness_text(moment, "县人社局网站", "zh", NOW) == "2 小时前同步自县人社局网站"
    assert freshness_text(moment, "县人社局网站", "en", NOW) == (
        "synced 2 hours ago from 县人社局网站"
    )
    assert freshness_text(None, "县人社局网站", "en", NOW) == "from 县人社局网站"
