"""Search: one service per process, reusing one index generation until the index moves."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import Index

from hall.search.index import current_generation_dir
from hall.search.query import (
    IndexState,
    SearchAnswer,
    SearchQuery,
    clean_text,
    plan_query,
)

__all__ = ["SearchAnswer", "SearchQuery", "SearchService"]

log = logging.getLogger(__name__)

# A background refresh taking W seconds is followed by at least this many times W of rest.
REFRESH_COST_FACTOR = 10


class SearchService:
    """Answer searches from the live index generation; safe to share between threads.

    The index opens on first use. Every SEARCH_REFRESH_SECONDS at most, a search checks
    whether the index moved (a commit, or a rebuild naming a new generation); if it did,
    a background thread opens and warms the new generation while searches keep using the
    old one, so no request pays for the reopen. Warming costs about 0.1 s at 10k items and
    1 s at 100k; a refresh that took W seconds is not repeated within REFRESH_COST_FACTOR x W
    seconds, so a busy indexer cannot keep a web worker's core busy reopening.
    Answers are cached per index generation.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._state: IndexState | None = None
        self._index: Index | None = None
        self._next_check = 0.0
        self._stale = True
        self._refreshing = False
        self._rest_until = 0.0
        self._answers: OrderedDict[tuple, SearchAnswer] = OrderedDict()
        self._answers_lock = threading.Lock()

    def search(self, q: SearchQuery) -> SearchAnswer:
        """Answer a query; with no index yet the answer is empty, never an error."""
        q = self._clamp(q)
        state = self._current_state()
        if state is None:
            return _empty_answer(q)
        text = clean_text(q.text, self._config["SEARCH_MAX_QUERY_CHARS"])
        key = (
            text,
            q.account_ids,
            q.kind,
            q.sector,
            q.department,
            q.account,
            q.page,
            q.per_page,
            q.synonyms,
            q.spelling,
            state.key,
        )
        cached = self._cached_answer(key)
        if cached is not None:
            return cached
        # No text: list everything, newest first.
        plan = plan_query(text, groups=q.synonyms) if text else None
        answer = state.answer(q, plan, self._config["SEARCH_TIME_LIMIT_MS"] / 1000)
        below = self._config["SEARCH_SUGGEST_BELOW"]
        if plan is not None and q.spelling != "off" and below > 0:
            if answer.partial or answer.total < below:
                answer = self._with_correction(state, q, text, answer)
        self._remember(key, answer)
        return _copy(answer)

    def _with_correction(
        self, state: IndexState, q: SearchQuery, text: str, answer: SearchAnswer
    ) -> SearchAnswer:
        """Offer a spelling that finds more; answer with its hits when the text found none.

        "More" puts items holding every word first: a spelling that turns a partial match
        (社报卡补办: no item has 社报) into a full one is better even with fewer hits.
        """
        found = state.suggest(text)
        if found is None:
            return answer
        corrected, sources = found
        plan = plan_query(corrected, groups=q.synonyms)
        other = state.answer(q, plan, self._config["SEARCH_TIME_LIMIT_MS"] / 1000)
        if (not other.partial, other.total) <= (not answer.partial, answer.total):
            return answer
        showing = q.spelling == "replace" and answer.total == 0
        return dataclasses.replace(
            other if showing else answer,
            corrected=corrected,
            spelling_sources=sources,
            showing_corrected=showing,
        )

    def invalidate(self) -> None:
        """Forget cached answers and look at the index again on the next search."""
        with self._lock:
            self._stale = True
        self._clear_answers()

    def reload(self) -> None:
        """Open the live index generation now (after a rebuild swap, or in tests)."""
        with self._lock:
            self._open_now()
        self._clear_answers()

    def close(self) -> None:
        """Release the open searcher."""
        with self._lock:
            if self._state is not None:
                self._state.close()
            self._state = self._index = None
            self._stale = True

    def _clamp(self, q: SearchQuery) -> SearchQuery:
        per_page = min(max(int(q.per_page or 1), 1), self._config["SEARCH_MAX_PER_PAGE"])
        # Deep pages cost a scored collection of page x per_page hits; nobody reads them.
        last_page = max(1, self._config["SEARCH_MAX_RESULTS"] // per_page)
        page = min(max(int(q.page or 1), 1), last_page)
        return dataclasses.replace(q, page=page, per_page=per_page)

    def _current_state(self) -> IndexState | None:
        now = time.monotonic()
        if not self._stale and now < self._next_check:
            return self._state
        with self._lock:
            if self._stale or self._state is None:
                if self._stale or now >= self._next_check:
                    self._open_now()
                return self._state
            if now >= max(self._next_check, self._rest_until):
                self._next_check = now + self._config["SEARCH_REFRESH_SECONDS"]
                if not self._refreshing and self._index_moved():
                    self._refreshing = True
                    threading.Thread(
                        target=self._refresh_in_background, name="search-refresh", daemon=True
                    ).start()
            return self._state

    def _open_now(self) -> None:
        """Open the live generation in this thread (caller holds the lock)."""
        self._stale = False
        self._next_check = time.monotonic() + self._config["SEARCH_REFRESH_SECONDS"]
        self._state, self._index = self._open_state()

    def _open_state(self) -> tuple[IndexState | None, Index | None]:
        folder = current_generation_dir(self._config["INDEX_PATH"])
        if folder is None:
            return None, None
        ix = whoosh_index.open_dir(str(folder))
        return IndexState(ix, folder.name), ix

    def _index_moved(self) -> bool:
        folder = current_generation_dir(self._config["INDEX_PATH"])
        if folder is None or self._state is None or folder.name != self._state.key[0]:
            return True
        return not self._state.is_current(self._index)

    def _refresh_in_background(self) -> None:
        started = time.monotonic()
        try:
            state, ix = self._open_state()
            if state is not None and self._state is not None and self._state.has_vocabulary:
                state.vocabulary()  # did-you-mean is in use: warm it here, not in a request
            with self._lock:
                self._state, self._index = state, ix
            self._clear_answers()  # old generations' answers can never be hit again
        except Exception:
            log.exception("could not open the new index generation; keeping the old one")
        finally:
            finished = time.monotonic()
            self._rest_until = finished + REFRESH_COST_FACTOR * (finished - started)
            self._refreshing = False

    def _cached_answer(self, key: tuple) -> SearchAnswer | None:
        with self._answers_lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
        return _copy(answer) if answer is not None else None

    def _remember(self, key: tuple, answer: SearchAnswer) -> None:
        size = self._config["SEARCH_CACHE_SIZE"]
        if size <= 0:
            return
        with self._answers_lock:
            self._answers[key] = answer
            while len(self._answers) > size:
                self._answers.popitem(last=False)

    def _clear_answers(self) -> None:
        with self._answers_lock:
            self._answers.clear()


def _empty_answer(q: SearchQuery) -> SearchAnswer:
    return SearchAnswer(total=0, page=q.page, per_page=q.per_page, item_ids=[], facets={}, terms=[])


def _copy(answer: SearchAnswer) -> SearchAnswer:
    """Return a copy callers may change without touching the cached answer."""
    return dataclasses.replace(
        answer,
        item_ids=list(answer.item_ids),
        facets={name: dict(counts) for name, counts in answer.facets.items()},
        terms=list(answer.terms),
        spelling_sources=dict(answer.spelling_sources),
    )
