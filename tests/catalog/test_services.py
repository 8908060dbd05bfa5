from datetime import UTC, datetime

import pytest

from connectors.base import Record
from hall.catalog.services import InvalidRecordError, normalise_record


def test_summary_falls_back_to_the_start_of_the_body():
    item = normalise_record(
        Record(external_id="1", title="通知", body_html="<p>" + "很长的正文。" * 100 + "</p>")
    )
    assert item.summary.endswith("…") and len(item.summary) == 200


def test_language_is_guessed_when_the_source_says_nothing():
    assert normalise_record(Record(external_id="1", title="社保卡补办")).language == "zh-CN"
    assert normalise_record(Record(external_id="2", title="Business license")).language == "en"
    assert (
        normalise_record(Record(external_id="3", title="x", language="en-GB")).language == "en-GB"
    )


def test_same_record_gives_same_hash_and_any_change_a_new_one():
    record = Record(external_id="1", title="通知", published_at=datetime(2026, 1, 1, tzinfo=UTC))
    first = normalise_record(record).content_hash()
    assert normalise_record(record).content_hash() == first
    record.tags = ["社保"]
    assert normalise_record(record).content_hash() != first


def test_unknown_content_type_is_kept_in_extra():
    item = normalise_record(Record(external_id="1", title="x", content_type="bulletin"))
    assert item.content_type == "other"
    assert item.extra["content_type"] == "bulletin"


@pytest.mark.parametrize(
    ("field", "value"), [("external_id", " "), ("title", ""), ("kind", "event")]
)
def test_records_that_cannot_be_items_are_refused_with_a_reason(field, value):
    record = Record(external_id="1", title="x")
    setattr(record, field, value)
    with pytest.raises(InvalidRecordError):
        normalise_record(record)
