"""The Chinese catalogue: complete, placeholder-safe, compiled, and served by Flask-Babel."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from hall.i18n import TRANSLATIONS, catalogue

PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
HALL = Path(__file__).parents[1] / "hall"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_message_has_chinese_with_the_same_placeholders():
    messages = catalogue()
    assert len(messages) > 500
    for english, chinese in messages.items():
        assert chinese.strip(), f"no Chinese for {english!r}"
        assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(chinese)), english


def test_the_compiled_catalogue_is_built_from_the_po_file():
    with PO.open("rb") as po:
        source = read_po(po)
    compiled = io.BytesIO()
    write_mo(compiled, source)
    with MO.open("rb") as mo:
        shipped = {m.id: m.string for m in read_mo(mo) if m.id}
    expected = {m.id: m.string for m in read_mo(io.BytesIO(compiled.getvalue())) if m.id}
    assert shipped == expected, "run: pybabel compile -d hall/translations"


def test_pybabel_finds_no_template_message_missing_from_the_catalogue():
    method_map = [("**/templates/**.html", "jinja2")]
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(str(HALL), method_map)
        if isinstance(message, str)  # plural forms come as tuples; the pages use none
    }
    assert len(found) > 300
    assert found - catalogue().keys() == set()


def test_pages_are_chinese_by_default_and_english_on_request(client):
    assert "跳到正文" in client.get("/").get_data(as_text=True)
    assert "Skip to content" in client.get("/?lang=en").get_data(as_text=True)
