import pytest

from hall.search import analysis
from hall.search.analysis import (
    BODY_ANALYSIS_CHARS,
    analyse_item,
    index_form,
    read_gov_terms,
    segment_query,
    text_analyzer,
)


def positions(tokens: str) -> dict[str, int]:
    return {t.text: t.pos for t in text_analyzer()(tokens, positions=True)}


def test_traditional_characters_fold_to_simplified():
    assert segment_query("社會保險") == ["社会保险"]
    assert "社会保险" in positions(analyse_item("社會保險繳費通知", "").title_tokens)


@pytest.mark.parametrize("term", [word for word, _, _ in read_gov_terms()])
def test_government_terms_stay_whole(term):
    assert segment_query(term) == [term]


def test_government_terms_stay_whole_in_running_text():
    assert segment_query("申请住房公积金贷款") == ["申请", "住房公积金", "贷款"]
    assert segment_query("一网通办好差评跨省通办") == ["一网通办", "好差评", "跨省通办"]


def test_a_long_word_carries_its_sub_words_on_its_own_position():
    tokens = analyse_item("社会保障卡补领", "").title_tokens
    found = positions(tokens)
    assert found["社会保障卡"] == found["社会"] == found["社会保障"] == 0
    assert found["补领"] == 1


def test_query_words_are_the_precise_cut():
    assert segment_query("社保卡补办") == ["社保卡", "补办"]


def test_stop_words_are_dropped_but_banli_is_kept():
    assert segment_query("社保卡丢了怎么办") == ["社保卡", "丢"]
    assert segment_query("如何办理营业执照") == ["办理", "营业执照"]
    assert segment_query("how do I renew the license") == ["renew", "license"]


def test_pinyin_holds_full_words_and_initials_of_title_words():
    pinyin = analyse_item("社保卡补办", "").title_pinyin.split()
    for form in ("shebaoka", "sbk", "shebao", "sb", "buban", "bb", "shebaokabuban"):
        assert form in pinyin


def test_english_is_stemmed_in_the_index_and_chinese_is_left_alone():
    assert index_form("licenses") == index_form("license") == index_form("Licensing")
    assert index_form("社会保障") == "社会保障"
    assert index_form("the") is None


def test_latin_text_never_runs_jieba(monkeypatch):
    def refuse():
        raise AssertionError("jieba ran on text without Han characters")

    monkeypatch.setattr(analysis, "_tokenizer", refuse)
    tokens = analyse_item("Business Licenses 2024", "Apply online at the city hall.")
    assert tokens.title_tokens == "business licenses 2024"
    assert tokens.title_pinyin == ""


def test_full_width_letters_and_digits_fold():
    assert segment_query("ＡＢＣ　１２３") == ["abc", "123"]


def test_a_huge_body_is_segmented_only_up_to_the_cap():
    body = "通知" * (BODY_ANALYSIS_CHARS // 2) + " 末尾词zzyzx"
    tokens = analyse_item("标题", body).body_tokens
    assert "通知" in tokens
    assert "zzyzx" not in tokens


def test_odd_input_gives_no_tokens_and_no_error():
    for text in ["", "   ", "\x00", "😀😀", "!!!", "的了吗"]:
        assert segment_query(text) == []
        assert analyse_item(text, text).title_tokens == ""
