"""Did you mean: corrections from the index's own words, offered only when they find more."""

import pytest

from hall.search import SearchQuery
from hall.search.spelling import edit_distance, respell, spelling_in
from tests.builders import make_item

# Titles like the demo hall's: several departments, Chinese and English.
TITLES = [
    ("社保卡补办服务点延长办理时间的通知", "content"),
    ("社保卡补办", "service"),
    ("社保缴费基数调整的通知", "content"),
    ("社保关系转移办理指南", "service"),
    ("住房公积金提取", "service"),
    ("公积金贷款申请", "service"),
    ("营业执照变更登记", "service"),
    ("电子营业执照下载", "service"),
    ("护照挂失", "service"),
    ("Business license registration for enterprises", "service"),
    ("Business license holders: new social insurance registration online", "content"),
    ("Residence permit renewal", "service"),
]


@pytest.fixture
def demo(app):
    return {title: make_item(title, kind=kind) for title, kind in TITLES}


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("社报", "社保"),  # the wrong homophone from a pinyin input method
        ("护照挂矢", "护照挂失"),
        ("lisence", "license"),
        ("shebo", "shebao"),  # pinyin with a letter missing
    ],
)
def test_a_slip_that_finds_nothing_is_corrected(demo, search, typed, corrected):
    answer = search(typed)

    assert answer.total == 0
    assert answer.corrected == corrected


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("社保卡补半", "社保卡补办"),  # 补半 is in no title: the hits hold only 社保卡
        ("residense permit", "residence permit"),  # permit is right, and stays
    ],
)
def test_a_partial_match_suggests_the_spelling_that_matches_every_word(
    demo, search, typed, corrected
):
    answer = search(typed)

    assert answer.partial and answer.total > 0
    assert answer.corrected == corrected


def test_replace_answers_with_the_corrected_results_when_nothing_was_found(demo, search, service):
    search("")  # index and open
    answer = service.search(SearchQuery(text="社报", spelling="replace"))

    assert answer.showing_corrected and answer.corrected == "社保"
    titles = {demo[t].id for t in ("社保卡补办", "社保缴费基数调整的通知", "社保关系转移办理指南")}
    assert titles <= set(answer.item_ids)


def test_replace_keeps_the_typed_results_when_there_are_some(demo, search, service):
    search("")
    answer = service.search(SearchQuery(text="社保卡补半", spelling="replace"))

    assert not answer.showing_corrected and answer.corrected == "社保卡补办"


def test_a_query_that_finds_enough_gets_no_suggestion(demo, search):
    assert search("社保").corrected is None
    assert search("营业执照").corrected is None


def test_nothing_is_suggested_when_no_spelling_finds_more(demo, search):
    answer = search("火星移民签证")

    assert answer.total == 0 and answer.corrected is None


def test_spelling_off_suggests_nothing(demo, search, service):
    search("")
    assert service.search(SearchQuery(text="社报", spelling="off")).corrected is None


def test_the_setting_turns_suggestions_off(app, demo, search):
    app.config["SEARCH_SUGGEST_BELOW"] = 0
    assert search("社报").corrected is None


def test_a_suggestion_must_find_results_in_the_hall(app, demo, search, service):
    make_item("社保待遇资格认证", connector="outside-feed")
    search("")
    hall_only = frozenset({"hrss-web"})
    outside = frozenset({"outside-feed"})  # an account with one matching item

    assert service.search(SearchQuery(text="社报", account_ids=hall_only)).corrected == "社保"
    answer = service.search(SearchQuery(text="lisence", account_ids=outside))
    assert answer.corrected is None  # licence exists, but not among these accounts


def test_edit_distance_counts_single_edits():
    assert edit_distance("lisence", "licence") == 1
    assert edit_distance("lisence", "license") == 2
    assert edit_distance("", "abc") == 3


def test_an_english_correction_is_spelt_as_a_title_spells_it(demo, search):
    make_item("Medical insurance registration", kind="service")

    answer = search("medicle insurance")

    # Titles are indexed as stems (medic), so the search layer names a title holding it.
    assert answer.corrected is not None and answer.spelling_sources
    word, item_id = next(iter(answer.spelling_sources.items()))
    assert spelling_in(word, "medical|medic insurance registration") == "medical"
    assert respell(answer.corrected, {word: "medical"}) == "medical insurance"
