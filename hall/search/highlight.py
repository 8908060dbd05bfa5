"""Mark query words in titles and snippets; everything else is escaped."""

from __future__ import annotations

import functools
import re
import unicodedata

from markupsafe import Markup, escape

from hall.search.analysis import BODY_ANALYSIS_CHARS, has_han, index_form

ELLIPSIS = "…"

# Matches tried as the start of a snippet window; later ones rarely beat the first.
MAX_WINDOW_CANDIDATES = 50

_LATIN_WORD = re.compile(r"[a-z]+", re.IGNORECASE)


def highlight(text: str, terms: list[str]) -> Markup:
    """Escape `text` and wrap every occurrence of a query term in <mark>."""
    return _render(text or "", _spans(text or "", terms))


def snippet(text: str, terms: list[str], length: int = 120) -> Markup:
    """Return the `length`-character window of `text` holding most terms, marked and escaped."""
    text = (text or "")[:BODY_ANALYSIS_CHARS]  # words after this were never indexed
    spans = _spans(text, terms)
    if len(text) <= length:
        return _render(text, spans)
    start = _best_window(spans, length, len(text))
    end = start + length
    inside = [(a - start, min(b, end) - start) for a, b in spans if a >= start and a < end]
    body = _render(text[start:end], inside)
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    return Markup(prefix) + body + Markup(suffix)


def _best_window(spans: list[tuple[int, int]], length: int, text_length: int) -> int:
    """Return the start of the window covering the most matches (earliest on ties)."""
    best_start, best_count = 0, 0
    lead = length // 5  # show a little context before the first match
    for first, _ in spans[:MAX_WINDOW_CANDIDATES]:
        start = max(0, min(first - lead, text_length - length))
        count = sum(1 for a, b in spans if a >= start and b <= start + length)
        if count > best_count:
            best_start, best_count = start, count
    return best_start


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Return non-overlapping (start, end) spans of term matches, in text order."""
    pattern = _pattern(tuple(sorted({t for t in terms if t and t.strip()})))
    if pattern is None or not text:
        return []
    folded = unicodedata.normalize("NFKC", text)
    # NFKC lets full-width ＡＢＣ match abc; when it changes the length, offsets would
    # drift, so the raw text is searched instead.
    haystack = folded if len(folded) == len(text) else text
    return [match.span() for match in pattern.finditer(haystack)]


@functools.lru_cache(maxsize=1024)
def _pattern(terms: tuple[str, ...]) -> re.Pattern | None:
    alternatives = set()
    for term in terms:
        term = unicodedata.normalize("NFKC", term).strip().lower()
        if _LATIN_WORD.fullmatch(term):
            # "licenses" marks license, licensed, licensing: the stem, to the word's end.
            stem = index_form(term) or term
            alternatives.add(rf"(?<![^\W\d_]){re.escape(stem)}[^\W\d_]*")
        elif term:
            alternatives.add(re.escape(term))
            if has_han(term):
                alternatives.add(re.escape(_traditional(term)))
    if not alternatives:
        return None
    # Longest first, so 社会保障卡 wins over 社会 where both match.
    ordered = sorted(alternatives, key=len, reverse=True)
    return re.compile("|".join(ordered), re.IGNORECASE)


@functools.cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def _traditional(term: str) -> str:
    """Return the traditional spelling, so 社会 also marks 社會 in a traditional page."""
    return _s2t().convert(term)


def _render(text: str, spans: list[tuple[int, int]]) -> Markup:
    parts = []
    position = 0
    for start, end in spans:
        if start < position or start == end:
            continue
        parts.append(escape(text[position:start]))
        parts.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
