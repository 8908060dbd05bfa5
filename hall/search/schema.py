"""The Whoosh schema: few scored fields, filters as IDs, almost nothing stored."""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from hall.search.analysis import text_analyzer

# The one document that is not an item: it holds the indexer checkpoint. Searches never
# return it (the reader side excludes its docnum from every document set).
META_DOC_ID = "__meta__"

# Field boosts for BM25F: a word in the title says more than the same word in a body.
TITLE_BOOST = 3.0
PINYIN_BOOST = 1.5

# Fields whose values are counted in facets and usable as filters.
FACET_FIELDS = ("kind", "sector", "department", "account")


def build_schema() -> Schema:
    """Return the schema of a fresh index."""
    analyzer = text_analyzer()
    return Schema(
        # Pages load items from the database by id, so only the id is stored.
        id=ID(unique=True, stored=True),
        kind=ID,
        content_type=ID,
        sector=ID,
        department=ID,
        account=ID,
        language=ID,
        # Set only on items that have copies on other channels of their department (the
        # same notice on the website, WeChat and micro-blog): results show one of them.
        link=ID,
        title=TEXT(analyzer=analyzer, field_boost=TITLE_BOOST, phrase=True),
        # Tags, summary and body text, segmented together at sync time.
        body=TEXT(analyzer=analyzer, phrase=True),
        # Pinyin and initials are whole words typed by people: no stemming, no phrases.
        pinyin=KEYWORD(lowercase=True, scorable=True, field_boost=PINYIN_BOOST),
        # Seconds since the epoch, 0 when unknown; sortable so "newest first" reads a column.
        published=NUMERIC(int, bits=64, sortable=True),
        checkpoint=STORED,
    )
