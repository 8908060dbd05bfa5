import pytest

from hall.catalog.html import html_to_text, sanitize_html


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<iframe src="http://evil.example/"></iframe>',
        '<p style="position:fixed">x</p>',
        "<svg><script>alert(1)</script></svg>",
        '<form action="http://evil.example/"><input name="id"></form>',
    ],
)
def test_nothing_that_runs_or_restyles_survives(dirty):
    clean = sanitize_html(dirty).lower()
    for marker in ("script", "onerror", "javascript:", "data:", "iframe", "style", "form", "input"):
        assert marker not in clean


def test_ordinary_markup_and_links_are_kept_with_safe_rel():
    clean = sanitize_html(
        '<p>详见<a href="https://gov.example/a">附件</a></p><table><tr><td>1</td></tr></table>'
    )
    assert '<a href="https://gov.example/a" rel="noopener noreferrer nofollow">附件</a>' in clean
    assert "<td>1</td>" in clean


def test_plain_text_keeps_paragraphs_apart_and_drops_script_text():
    html = "<p>Apply online.</p><p>Bring your ID&nbsp;card.</p><script>var x = 1;</script><ul><li>一</li><li>二</li></ul>"
    assert html_to_text(html) == "Apply online.\nBring your ID card.\n一\n二"


def test_plain_text_of_text_without_tags_is_unescaped():
    assert html_to_text("A &amp; B") == "A & B"
