"""The reader side: plan a query from user text, then answer it on one index generation.

User text never reaches a query parser, so no input can raise: quoted parts become
phrases, the rest is segmented into words, and each word (with its synonyms) matches in
the title, the body or, for Latin letters, the title's pinyin. Words are combined with
AND; when that finds nothing in the hall, at least half of the words must match.

Matching and counting work on sets of document numbers (posting lists read in bulk,
intersected in C); filters and hall scopes are cached sets per index generation; only
the final hits are scored, with Whoosh's BM25F (see postings.py), under a time limit.
"""

from __future__ import annotations

import heapq
import math
import re
import struct
import threading
import time
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from whoosh.index import Index
from whoosh.searching import Searcher

from hall.search.analysis import index_form, normalise, segment_query
from hall.search.postings import PostingReader, TermPostings
from hall.search.schema import FACET_FIELDS, META_DOC_ID
from hall.search.spelling import Vocabulary, build_vocabulary, correct
from hall.search.synonyms import Groups, expand

# Query words beyond this many are ignored: they add cost, not precision.
MAX_QUERY_WORDS = 12

# Phrases beyond this many are ignored, for the same reason.
MAX_QUERY_PHRASES = 4

# Pinyin prefix search starts at this many letters ("she" finds shebao); shorter
# words match initials exactly (sb).
PINYIN_PREFIX_MIN = 3

# A pinyin prefix expands to at most this many indexed terms, the most frequent first.
PINYIN_PREFIX_TERMS = 32

# Facets with at most this many values are counted by set intersection, others in one pass.
SMALL_FACET = 4

# Filter sets (hall scopes x facet filters) kept per index generation.
FILTER_CACHE_SIZE = 256

# Stored queries (best bets, search statistics) are cut to this many characters.
QUERY_KEY_CHARS = 200


_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」')
_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    account_ids: frozenset[str] | None = None  # hall scope: only these accounts (None = no scope)
    kind: str | None = None
    sector: str | None = None
    department: str | None = None
    account: str | None = None
    page: int = 1
    per_page: int = 10
    # The hall's enabled synonym groups (None: the seed groups). Part of the answer cache
    # key, so an administrator's edit is searched with at once.
    synonyms: Groups | None = None
    # "suggest": offer a did-you-mean when little is found; "replace": also answer with the
    # corrected query's results when nothing is found; "off": neither.
    spelling: str = "suggest"


@dataclass
class SearchAnswer:
    total: int
    page: int
    per_page: int
    item_ids: list[int]  # this page, best first (or newest first for an empty query)
    # "sector" / "department" / "kind" / "account" -> value -> count, most first. Counted
    # over the whole match set inside the hall scope, with every other filter applied but
    # not the facet's own, so a page can offer the other values of a chosen facet.
    facets: dict[str, dict[str, int]]
    terms: list[str]  # query words and synonyms, for highlighting
    corrected: str | None = None  # a spelling that finds more (did you mean …)
    # English words of `corrected` made from a title stem -> an item whose title spells it.
    spelling_sources: dict[str, int] = field(default_factory=dict)
    showing_corrected: bool = False  # the hits are the corrected query's: the typed one found none
    partial: bool = False  # no item has every word: the hits have at least half of them


@dataclass(frozen=True)
class Alternative:
    """One way a clause can match: a term, a pinyin prefix, or a phrase, in one field."""

    kind: str  # "term" | "prefix" | "phrase"
    field: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Clause:
    """A query word with its synonyms, or a quoted phrase: matches when any alternative does."""

    alternatives: tuple[Alternative, ...]


@dataclass
class QueryPlan:
    clauses: list[Clause] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Match:
    """Documents one alternative matched, and the postings (by field) that score them."""

    docs: AbstractSet[int]  # a set, or the key view of a posting dict
    parts: tuple[tuple[str, TermPostings], ...]


def clean_text(text: str, max_chars: int) -> str:
    """Return the query text normalised, without control characters, cut to `max_chars`."""
    text = _CONTROL.sub(" ", (text or "")[: max_chars * 2])
    text = normalise(text)
    return " ".join(text.split())[:max_chars]


def query_key(text: str) -> str:
    """Return the form a query is stored and matched in (best bets, search statistics)."""
    return clean_text(text, QUERY_KEY_CHARS)


def plan_query(
    text: str,
    synonyms: Mapping[str, Iterable[str]] | None = None,
    *,
    groups: Groups | None = None,
) -> QueryPlan:
    """Turn cleaned query text into clauses (all must match) and highlight terms.

    `groups` are the hall's synonym groups (None: the seed groups); `synonyms` adds more.
    """
    plan = QueryPlan()
    phrases = [next(g for g in m.groups() if g is not None) for m in _PHRASE.finditer(text)]
    rest = _PHRASE.sub(" ", text)
    for phrase in phrases[:MAX_QUERY_PHRASES]:
        words = segment_query(_SPACE_BETWEEN_HAN.sub("", phrase))
        clause = _phrase_clause(words)
        if clause is not None:
            plan.clauses.append(clause)
            plan.terms += words
    for word in _words(rest):
        forms = expand(word, synonyms, groups=groups)
        clause = _word_clause(word, forms)
        if clause is not None:
            plan.clauses.append(clause)
            plan.terms += forms
    plan.terms = list(dict.fromkeys(plan.terms))
    return plan


def query_words(text: str) -> list[str]:
    """Return the words of cleaned query text outside its quoted phrases, as planned."""
    return _words(_PHRASE.sub(" ", text))


def _words(text: str) -> list[str]:
    return list(dict.fromkeys(segment_query(text.replace('"', " "))))[:MAX_QUERY_WORDS]


def _phrase_clause(words: list[str]) -> Clause | None:
    terms = tuple(t for t in (index_form(w) for w in words) if t)
    if not terms:
        return None
    kind = "phrase" if len(terms) > 1 else "term"
    return Clause(tuple(Alternative(kind, f, terms) for f in ("title", "body")))


def _word_clause(word: str, forms: list[str]) -> Clause | None:
    alternatives: dict[Alternative, None] = {}
    for form in forms:
        parts = [form] if form == word else segment_query(form)
        terms = tuple(t for t in (index_form(p) for p in parts) if t)
        if terms:
            kind = "phrase" if len(terms) > 1 else "term"
            for name in ("title", "body"):
                alternatives.setdefault(Alternative(kind, name, terms))
    if word.isascii() and word.isalpha():
        alternatives.setdefault(Alternative("term", "pinyin", (word,)))
        if len(word) >= PINYIN_PREFIX_MIN:
            alternatives.setdefault(Alternative("prefix", "pinyin", (word,)))
    return Clause(tuple(alternatives)) if alternatives else None


class IndexState:
    """One open index generation: a searcher, and document sets cached for its lifetime.

    Whoosh readers are not documented as thread-safe, so every use holds `lock`; under
    the GIL that costs little, since searching is pure Python anyway.
    """

    def __init__(self, ix: Index, folder_name: str) -> None:
        self.lock = threading.RLock()
        self.searcher: Searcher = ix.searcher()
        self.reader = self.searcher.reader()
        self.postings = PostingReader(self.reader)
        self.key = (folder_name, self.reader.generation())
        self.universe = self._live_documents()
        self.values: dict[str, dict[str, frozenset[int]]] = {
            name: self._value_sets(name) for name in FACET_FIELDS
        }
        self.value_index = {name: self._value_index(name) for name in FACET_FIELDS}
        # Whether every live document has exactly one value of the field.
        self.partitioned = {
            name: sum(map(len, self.values[name].values())) == len(self.universe)
            for name in FACET_FIELDS
        }
        self.parents = self._parent_maps()
        self.link_groups, self.linked_docs = self._link_groups()
        self.published: list[int] = self._published()
        # Every document, newest first (ties: last indexed first), for empty queries.
        self.newest: list[int] = sorted(self.universe, key=lambda d: (-self.published[d], -d))
        for name in ("title", "body"):
            self.postings.norms(name)  # pay for field lengths now, not in a request
        self._filters: OrderedDict[tuple, frozenset[int]] = OrderedDict()
        self._vocabulary: Vocabulary | None = None  # for did-you-mean, built on first need

    @property
    def has_vocabulary(self) -> bool:
        """Tell whether did-you-mean has been needed on this generation."""
        return self._vocabulary is not None

    def vocabulary(self) -> Vocabulary:
        """Return this generation's spelling vocabulary, reading it on first use."""
        with self.lock:
            if self._vocabulary is None:
                self._vocabulary = build_vocabulary(self.reader)
            return self._vocabulary

    def suggest(self, text: str) -> tuple[str, dict[str, int]] | None:
        """Return a likelier spelling of cleaned query text, or None.

        With it, its words built from a title stem, each with an item whose title spells
        that stem as a word (the caller respells them: medice -> medical).
        """
        words = query_words(text)
        if not words:
            return None
        vocabulary = self.vocabulary()
        with self.lock:
            found = correct(text, words, self.reader, vocabulary)
            if found is None:
                return None
            sources = {}
            for word, stem in found.stems.items():
                docs = self.postings.term("title", stem).ids
                live = next((d for d in docs if d in self.universe), None)
                if live is not None:
                    sources[word] = int(self.searcher.stored_fields(live)["id"])
            return found.text, sources

    def close(self) -> None:
        with self.lock:
            self.searcher.close()

    def is_current(self, ix: Index) -> bool:
        """Tell whether the index has no newer commit than this state."""
        return ix.latest_generation() == self.key[1]

    def answer(self, query: SearchQuery, plan: QueryPlan | None, time_limit: float) -> SearchAnswer:
        """Answer `query`; `plan` None means list everything, newest first."""
        deadline = time.monotonic() + time_limit
        with self.lock:
            scope = self.scope_docs(query.account_ids)
            matches: list[list[_Match]] = []
            matched = scope
            partial = False
            if plan is not None:
                matches = [list(self._evaluate(clause)) for clause in plan.clauses]
                matched, partial = self._match(matches, scope)
            matched = self._collapse_links(matched)
            chosen = self._chosen_filters(query)
            hits = _intersect([matched, *chosen.values()])
            wanted = query.page * query.per_page
            if not hits:
                top = []
            elif plan is None:
                top = self._newest(hits, wanted)
            else:
                top = self._best(matches, hits, wanted, deadline)
            page = top[(query.page - 1) * query.per_page : wanted]
            return SearchAnswer(
                total=len(hits),
                page=query.page,
                per_page=query.per_page,
                item_ids=[int(self.searcher.stored_fields(d)["id"]) for d in page],
                facets=self._facets(matched, chosen),
                terms=list(plan.terms) if plan else [],
                partial=partial,
            )

    def scope_docs(self, account_ids: frozenset[str] | None) -> frozenset[int]:
        """Return the documents of a hall's accounts (every document when None)."""
        if account_ids is None:
            return self.universe
        return self._cached(("scope", account_ids), lambda: self._union("account", account_ids))

    def facet_docs(self, name: str, value: str) -> frozenset[int]:
        """Return the documents whose facet field `name` has `value`."""
        return self.values[name].get(value, frozenset())

    def _evaluate(self, clause: Clause) -> Iterator[_Match]:
        """Yield what each alternative of a clause matches."""
        for alt in clause.alternatives:
            if alt.kind == "phrase":
                parts = tuple((alt.field, self.postings.term(alt.field, w)) for w in alt.words)
                yield _Match(self._phrase_docs(alt.field, alt.words, parts), parts)
                continue
            texts = [alt.words[0]]
            if alt.kind == "prefix":  # the exact word is its own alternative
                texts = [t for t in self._prefix_terms(alt.field, alt.words[0]) if t != texts[0]]
            for text in texts:
                postings = self.postings.term(alt.field, text)
                yield _Match(postings.by_doc.keys(), ((alt.field, postings),))

    def _match(
        self, matches: list[list[_Match]], scope: frozenset[int]
    ) -> tuple[frozenset[int], bool]:
        """Return documents matching every clause or, failing that (partial), half of them."""
        sets = [set().union(*(m.docs for m in clause)) for clause in matches]
        everything = _intersect([scope, *sets])
        if everything or len(sets) < 2:
            return everything, False
        # Colloquial questions (社保卡丢了怎么办) carry words no page has; ask for half.
        need = math.ceil(len(sets) / 2)
        counts = Counter()
        for docs in sets:
            counts.update(docs)
        return frozenset(d for d, n in counts.items() if n >= need) & scope, True

    def _phrase_docs(
        self, field_name: str, words: tuple[str, ...], parts: tuple[tuple[str, TermPostings], ...]
    ) -> set[int]:
        """Return documents where the words stand at consecutive positions."""
        candidates = _intersect([postings.by_doc.keys() for _, postings in parts])
        if not candidates:
            return set()
        positions = [self.postings.positions(field_name, w, candidates) for w in words]
        found = set()
        for docnum in candidates:
            starts = set(positions[0].get(docnum, ()))
            for offset, word_positions in enumerate(positions[1:], start=1):
                present = set(word_positions.get(docnum, ()))
                starts = {s for s in starts if s + offset in present}
                if not starts:
                    break
            if starts:
                found.add(docnum)
        return found

    def _prefix_terms(self, field_name: str, prefix: str) -> list[str]:
        terms = list(self.reader.expand_prefix(field_name, prefix))
        if len(terms) > PINYIN_PREFIX_TERMS:
            frequency = self.reader.doc_frequency
            terms = heapq.nlargest(
                PINYIN_PREFIX_TERMS, terms, key=lambda t: frequency(field_name, t)
            )
        return [t.decode("utf-8") if isinstance(t, bytes) else t for t in terms]

    def _best(
        self, matches: list[list[_Match]], hits: frozenset[int], wanted: int, deadline: float
    ) -> list[int]:
        """Score the hits with BM25F and return the best `wanted` document numbers.

        A document scores the sum of every alternative it matches. Past the deadline the
        remaining alternatives are skipped: the order is then approximate, never missing.
        """
        scores = dict.fromkeys(hits, 0.0)
        for match in (m for clause in matches for m in clause):
            docs = match.docs & hits
            for field_name, postings in match.parts:
                self.postings.add_scores(scores, field_name, postings, docs)
            if time.monotonic() > deadline:
                break
        return heapq.nlargest(wanted, scores, key=scores.__getitem__)

    def _newest(self, hits: frozenset[int], wanted: int) -> list[int]:
        """Return the `wanted` newest hits: walk the newest-first order, or sort a small set."""
        if len(hits) * 8 < len(self.newest):
            published = self.published
            return heapq.nsmallest(wanted, hits, key=lambda d: (-published[d], -d))
        top = []
        for docnum in self.newest:
            if docnum in hits:
                top.append(docnum)
                if len(top) == wanted:
                    break
        return top

    def _chosen_filters(self, query: SearchQuery) -> dict[str, frozenset[int]]:
        chosen = {}
        for name in FACET_FIELDS:
            value = getattr(query, name)
            if value:
                chosen[name] = self.facet_docs(name, value)
        return chosen

    def _facets(
        self, matched: frozenset[int], chosen: dict[str, frozenset[int]]
    ) -> dict[str, dict[str, int]]:
        """Count facet values over the match set, each with the other facets' filters."""
        facets = {}
        bases: dict[tuple[str, ...], frozenset[int]] = {}
        counted: dict[tuple[tuple[str, ...], str], dict[str, int]] = {}
        for name in FACET_FIELDS:
            others = tuple(other for other in chosen if other != name)
            if others not in bases:
                bases[others] = _intersect([matched, *(chosen[o] for o in others)])
            counts = self._counts(name, bases[others], others, counted)
            ranked = sorted(((n, v) for v, n in counts.items() if n), key=lambda p: (-p[0], p[1]))
            facets[name] = {value: n for n, value in ranked}
        return facets

    def _counts(
        self, name: str, base: frozenset[int], key: tuple[str, ...], counted: dict
    ) -> dict[str, int]:
        """Count the values of one facet field over `base` (memoised per base in `counted`)."""
        if (key, name) in counted:
            return counted[(key, name)]
        values = self.values[name]
        if base is self.universe:
            counts = {value: len(docs) for value, docs in values.items()}
        elif name in self.parents:
            # Sector and department follow from the account counts: no second pass.
            child, parent_of = self.parents[name]
            counts = Counter()
            for value, n in self._counts(child, base, key, counted).items():
                if n:
                    counts[parent_of[value]] += n
        elif len(values) <= SMALL_FACET and self.partitioned[name]:
            # Intersect with all but the largest value; that one is what is left.
            largest = max(values, key=lambda v: len(values[v]))
            counts = {v: len(docs & base) for v, docs in values.items() if v != largest}
            counts[largest] = len(base) - sum(counts.values())
        else:
            # One C-level pass over the documents: measured 5x faster than intersecting
            # `base` with every value's set when there are many values.
            names = list(values)
            tally = Counter(map(self.value_index[name].__getitem__, base))
            counts = {names[index]: n for index, n in tally.items() if index < len(names)}
        counted[(key, name)] = counts
        return counts

    def _parent_maps(self) -> dict[str, tuple[str, dict[str, str]]]:
        """Find which facet values determine which: account -> department -> sector.

        Only maps that hold for every live document are used (an account moved to another
        department keeps its old department on items not re-indexed yet).
        """
        parents = {}
        for parent, child in (("department", "account"), ("sector", "department")):
            names = list(self.values[parent])
            index = self.value_index[parent]
            parent_of = {}
            for value, docs in self.values[child].items():
                if not docs:
                    continue  # every document of this value was deleted
                found = {index[d] for d in docs}
                if len(found) != 1 or min(found) >= len(names):
                    break
                parent_of[value] = names[found.pop()]
            else:
                parents[parent] = (child, parent_of)
        return parents

    def _link_groups(self) -> tuple[dict[int, int], frozenset[int]]:
        """Map each linked document to its group's kept document (the earliest item).

        Copies of one notice on several channels share a `link` value; a result list
        shows one copy per group, so totals and facets count the notice once.
        """
        if "link" not in self.reader.schema:
            return {}, frozenset()
        keep_of: dict[int, int] = {}
        for text in self.reader.lexicon("link"):
            value = text.decode("utf-8") if isinstance(text, bytes) else text
            docs = self.universe.intersection(self.postings.doc_set("link", value))
            if len(docs) > 1:
                ids = {d: int(self.searcher.stored_fields(d)["id"]) for d in docs}
                first = min(ids, key=ids.get)
                keep_of.update(dict.fromkeys(docs, first))
        return keep_of, frozenset(keep_of)

    def _collapse_links(self, docs: frozenset[int]) -> frozenset[int]:
        """Keep one document of each group of copies found in `docs`."""
        linked = docs & self.linked_docs
        if not linked:
            return docs
        groups: dict[int, list[int]] = {}
        for docnum in linked:
            groups.setdefault(self.link_groups[docnum], []).append(docnum)
        # The group's earliest item when it is in `docs` (a hall may lack that account),
        # else the lowest document number present, so the choice is stable.
        drop = set()
        for first, members in groups.items():
            keep = first if first in docs else min(members)
            drop.update(d for d in members if d != keep)
        return docs - drop if drop else docs

    def _live_documents(self) -> frozenset[int]:
        """Return every live document number but the meta document's."""
        docs = set(range(self.reader.doc_count_all()))
        if self.reader.has_deletions():
            docs = set(self.reader.all_doc_ids())  # checks each document, so only when needed
        docs.discard(self.searcher.document_number(id=META_DOC_ID))
        return frozenset(docs)

    def _value_sets(self, name: str) -> dict[str, frozenset[int]]:
        """Read every value of an ID field with its documents (once per generation)."""
        values = {}
        for text in self.reader.lexicon(name):
            value = text.decode("utf-8") if isinstance(text, bytes) else text
            # Deleted documents are dropped here, so every filter set is live-only.
            values[value] = self.universe.intersection(self.postings.doc_set(name, value))
        return values

    def _value_index(self, name: str) -> array:
        """Map every document to the position of its value in `self.values[name]`."""
        # Documents without a value point past the end, and are not counted.
        index = array("I", [len(self.values[name])]) * self.reader.doc_count_all()
        for position, docs in enumerate(self.values[name].values()):
            for docnum in docs:
                index[docnum] = position
        return index

    def _published(self) -> list[int]:
        """Read the publication time of every live document (0 when unknown)."""
        column = self.reader.column_reader("published")
        published = [0] * self.reader.doc_count_all()
        for docnum in self.universe:
            try:
                published[docnum] = column[docnum]
            except struct.error:
                pass  # Whoosh writes no column bytes for a segment whose values are all 0
        return published

    def _union(self, name: str, values: Iterable[str]) -> frozenset[int]:
        docs: set[int] = set()
        for value in values:
            docs |= self.facet_docs(name, value)
        return frozenset(docs)

    def _cached(self, key: tuple, build) -> frozenset[int]:
        cached = self._filters.get(key)
        if cached is None:
            cached = build()
            self._filters[key] = cached
            if len(self._filters) > FILTER_CACHE_SIZE:
                self._filters.popitem(last=False)
        else:
            self._filters.move_to_end(key)
        return cached


def _intersect(sets: list) -> frozenset[int]:
    """Intersect sets or dict key views, smallest first; a lone frozenset keeps its identity."""
    if len(sets) == 1:
        return sets[0] if isinstance(sets[0], frozenset) else frozenset(sets[0])
    ordered = sorted(sets, key=len)
    result = ordered[0]
    for docs in ordered[1:]:
        if not result:
            break
        result = docs & result  # in C, walking the smaller side
    return result if isinstance(result, frozenset) else frozenset(result)
