from markupsafe import Markup

from hall.search.highlight import highlight, snippet


def test_html_in_text_is_escaped_and_terms_are_marked():
    marked = highlight("<b>社保卡</b>补办<script>", ["社保卡"])
    assert isinstance(marked, Markup)
    assert marked == "&lt;b&gt;<mark>社保卡</mark>&lt;/b&gt;补办&lt;script&gt;"


def test_terms_carrying_html_cannot_inject_it():
    marked = highlight("a <img src=x> b", ["<img src=x>"])
    assert "<img" not in marked
    assert "<mark>&lt;img src=x&gt;</mark>" in marked


def test_english_is_marked_case_insensitively_with_its_word_forms():
    marked = highlight("Business Licenses and a license", ["licenses"])
    assert marked == "Business <mark>Licenses</mark> and a <mark>license</mark>"


def test_the_longest_term_wins_and_traditional_text_is_marked():
    assert highlight("社会保障卡", ["社会", "社会保障卡"]) == "<mark>社会保障卡</mark>"
    assert highlight("社會保險繳費", ["社会保险"]) == "<mark>社會保險</mark>繳費"


def test_no_terms_means_only_escaping():
    assert highlight("a & b", []) == "a &amp; b"


def test_snippet_shows_the_window_with_most_terms():
    text = "无关内容。" * 40 + "办理社保卡补办需要携带居民身份证。" + "其他说明。" * 40
    cut = snippet(text, ["社保卡", "补办", "身份证"], length=60)
    assert cut.startswith("…") and cut.endswith("…")
    assert "<mark>社保卡</mark><mark>补办</mark>" in cut
    assert "<mark>身份证</mark>" in cut
    assert len(Markup(cut).striptags()) <= 62


def test_short_text_is_shown_whole():
    assert snippet("社保卡<补办>", ["补办"]) == "社保卡&lt;<mark>补办</mark>&gt;"
