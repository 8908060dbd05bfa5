"""Per-hall relevance: synonym groups and best bets, tuned by administrators.

A hall's enabled synonym groups expand its queries (a seed group switched off stops
applying there); its best bets put pinned items first for one query. Search reads both
on every request, so each process keeps them per hall for SEARCH_RELEVANCE_CACHE_SECONDS
and forgets a hall at once when it is edited here; other processes (gunicorn workers)
see an edit when their copy expires.

Edits check the user is an administrator, write an audit entry and flush; the request
commits.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from hall.audit.services import record, snapshot
from hall.catalog.models import Item
from hall.extensions import db
from hall.halls.models import BestBet, Hall, SynonymGroup
from hall.halls.services import HallSearchResult, get_hall, public_accounts, rows_for_items
from hall.search.analysis import normalise
from hall.search.query import query_key
from hall.search.synonyms import SEED_GROUPS, Groups
from hall.users.models import User
from hall.users.services import require_admin

MIN_GROUP_WORDS = 2
MAX_GROUP_WORDS = 10
MAX_WORD_CHARS = 30
MAX_BETS_PER_QUERY = 10

# A search filter -> the result row field it selects on (best bets obey filters too).
_ROW_FIELDS = {
    "kind": "kind",
    "sector": "sector",
    "department": "department_id",
    "account": "account_id",
}

# Words of a group are typed separated by commas (Latin or Chinese), 、, ; or spaces.
_SEPARATORS = re.compile(r"[\s,，、;；]+")


class RelevanceError(ValueError):
    """A synonym group or best bet cannot be saved as asked (the message says why)."""


class RelevanceNotFoundError(LookupError):
    """No synonym group or best bet of this hall has this id."""


@dataclass(frozen=True)
class HallRelevance:
    """What search needs of a hall's tuning, read once and shared between requests."""

    groups: Groups  # enabled synonym groups, oldest first
    best_bets: dict[str, tuple[int, ...]]  # normalised query -> pinned item ids, in order


class RelevanceCache:
    """Per-process copies of halls' relevance, each kept for a number of seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._halls: dict[str, tuple[float, HallRelevance]] = {}

    def get(self, hall_id: str, seconds: float, load: Callable[[], HallRelevance]) -> HallRelevance:
        now = time.monotonic()
        with self._lock:
            kept = self._halls.get(hall_id)
        if kept is not None and kept[0] > now:
            return kept[1]
        found = load()
        with self._lock:
            self._halls[hall_id] = (now + seconds, found)
        return found

    def forget(self, hall_id: str) -> None:
        with self._lock:
            self._halls.pop(hall_id, None)


def hall_relevance(hall_id: str) -> HallRelevance:
    """Return the hall's enabled synonym groups and best bets (cached per process)."""
    return _cache().get(
        hall_id,
        current_app.config["SEARCH_RELEVANCE_CACHE_SECONDS"],
        lambda: _load(hall_id),
    )


def _cache() -> RelevanceCache:
    # One cache per app: tests build many apps, each on its own database.
    return current_app.extensions.setdefault("hall.relevance", RelevanceCache())


def _load(hall_id: str) -> HallRelevance:
    groups = db.session.scalars(
        select(SynonymGroup.words)
        .where(SynonymGroup.hall_id == hall_id, SynonymGroup.enabled.is_(True))
        .order_by(SynonymGroup.id)
    )
    bets: dict[str, list[int]] = {}
    for query, item_id in db.session.execute(
        select(BestBet.query, BestBet.item_id)
        .where(BestBet.hall_id == hall_id)
        .order_by(BestBet.query, BestBet.position, BestBet.id)
    ):
        bets.setdefault(query, []).append(item_id)
    return HallRelevance(
        groups=tuple(tuple(words) for words in groups if words),
        best_bets={query: tuple(ids) for query, ids in bets.items()},
    )


def _changed(hall_id: str) -> None:
    """Forget the hall's cached relevance in this process, so the next search reads it."""
    _cache().forget(hall_id)


# Synonym groups -----------------------------------------------------------------------


def seed_synonyms(hall: Hall) -> None:
    """Give a new hall the seed groups as its own rows, so they can be changed there."""
    db.session.flush()  # the hall row first: the groups point at it
    for words in SEED_GROUPS:
        db.session.add(SynonymGroup(hall_id=hall.id, words=list(words), enabled=True, seed=True))
    db.session.flush()
    _changed(hall.id)


def parse_words(text: str) -> list[str]:
    """Split a group as typed into normalised words; raise RelevanceError if it is not one."""
    words = list(dict.fromkeys(normalise(w) for w in _SEPARATORS.split(text or "") if w))
    if any(len(word) > MAX_WORD_CHARS for word in words):
        raise RelevanceError("A word has at most 30 characters.")
    if not MIN_GROUP_WORDS <= len(words) <= MAX_GROUP_WORDS:
        raise RelevanceError("A group has 2 to 10 different words.")
    return words


def list_synonym_groups(hall_id: str) -> list[SynonymGroup]:
    """Return every synonym group of the hall, enabled or not, oldest first."""
    query = select(SynonymGroup).where(SynonymGroup.hall_id == hall_id)
    return list(db.session.scalars(query.order_by(SynonymGroup.id)))


def add_synonym_group(admin: User, hall_id: str, *, words: str) -> SynonymGroup:
    """Add an enabled synonym group to a hall."""
    require_admin(admin)
    hall = get_hall(hall_id)
    group = SynonymGroup(hall_id=hall.id, words=parse_words(words), enabled=True, seed=False)
    db.session.add(group)
    db.session.flush()
    record("synonyms.add", group, None, _group_state(group), admin)
    _changed(hall.id)
    return group


def edit_synonym_group(admin: User, hall_id: str, group_id: int, *, words: str) -> SynonymGroup:
    """Change the words of a synonym group."""
    require_admin(admin)
    group = _group(hall_id, group_id)
    before = _group_state(group)
    group.words = parse_words(words)
    db.session.flush()
    if _group_state(group) != before:
        record("synonyms.edit", group, before, _group_state(group), admin)
    _changed(hall_id)
    return group


def set_synonym_group_enabled(
    admin: User, hall_id: str, group_id: int, *, enabled: bool
) -> SynonymGroup:
    """Switch a synonym group on or off (a seed group too) for this hall only."""
    require_admin(admin)
    group = _group(hall_id, group_id)
    if group.enabled != enabled:
        before = _group_state(group)
        group.enabled = enabled
        db.session.flush()
        action = "synonyms.enable" if enabled else "synonyms.disable"
        record(action, group, before, _group_state(group), admin)
    _changed(hall_id)
    return group


def delete_synonym_group(admin: User, hall_id: str, group_id: int) -> None:
    """Delete a synonym group; the audit entry keeps its words."""
    require_admin(admin)
    group = _group(hall_id, group_id)
    record("synonyms.delete", group, _group_state(group), None, admin)
    db.session.delete(group)
    db.session.flush()
    _changed(hall_id)


def _group(hall_id: str, group_id: int) -> SynonymGroup:
    group = db.session.get(SynonymGroup, group_id)
    if group is None or group.hall_id != hall_id:
        raise RelevanceNotFoundError(f"hall {hall_id} has no synonym group {group_id}")
    return group


def _group_state(group: SynonymGroup) -> dict:
    return snapshot(group, ("hall_id", "words", "enabled", "seed"))


# Best bets ----------------------------------------------------------------------------


def list_best_bets(hall_id: str) -> dict[str, list[BestBet]]:
    """Return the hall's best bets by query (alphabetical), each query's in order."""
    query = (
        select(BestBet)
        .where(BestBet.hall_id == hall_id)
        .order_by(BestBet.query, BestBet.position, BestBet.id)
    )
    found: dict[str, list[BestBet]] = {}
    for bet in db.session.scalars(query):
        found.setdefault(bet.query, []).append(bet)
    return found


def pinned_items(bets: list[BestBet]) -> dict[int, Item]:
    """Return the items of some best bets by id, for a list of them."""
    ids = {bet.item_id for bet in bets}
    if not ids:
        return {}
    return {item.id: item for item in db.session.scalars(select(Item).where(Item.id.in_(ids)))}


def pin_item(admin: User, hall_id: str, *, query: str, item_id: int) -> BestBet:
    """Pin a live item of the hall to the top of its results for `query` (normalised)."""
    require_admin(admin)
    hall = get_hall(hall_id)
    key = query_key(query)
    if not key:
        raise RelevanceError("Give the query to pin results for.")
    item = db.session.get(Item, item_id)
    members = {account.id for account in public_accounts(hall)}
    if item is None or not item.is_live or item.account_id not in members:
        raise RelevanceError("Only a live item of this hall can be pinned.")
    same_query = select(BestBet).where(BestBet.hall_id == hall.id, BestBet.query == key)
    existing = list(db.session.scalars(same_query))
    if any(bet.item_id == item.id for bet in existing):
        raise RelevanceError("This item is already pinned for this query.")
    if len(existing) >= MAX_BETS_PER_QUERY:
        raise RelevanceError("A query has at most 10 pinned items.")
    position = max((bet.position for bet in existing), default=-1) + 1
    bet = BestBet(
        hall_id=hall.id, query=key, item_id=item.id, position=position, created_by=admin.id
    )
    db.session.add(bet)
    db.session.flush()
    record("best_bet.pin", bet, None, _bet_state(bet), admin)
    _changed(hall.id)
    return bet


def unpin_item(admin: User, hall_id: str, bet_id: int) -> None:
    """Remove a best bet; the audit entry keeps what it pinned."""
    require_admin(admin)
    bet = _bet(hall_id, bet_id)
    record("best_bet.unpin", bet, _bet_state(bet), None, admin)
    db.session.delete(bet)
    db.session.flush()
    _changed(hall_id)


def move_best_bet(admin: User, hall_id: str, bet_id: int, *, offset: int) -> BestBet:
    """Move a best bet up (offset -1) or down (1) among its query's."""
    require_admin(admin)
    bet = _bet(hall_id, bet_id)
    same = list_best_bets(hall_id)[bet.query]
    index = same.index(bet)
    other = index + (-1 if offset < 0 else 1)
    if 0 <= other < len(same):
        order = [b.item_id for b in same]
        same[index], same[other] = same[other], same[index]
        for position, each in enumerate(same):
            each.position = position
        db.session.flush()
        after = {"query": bet.query, "items": [b.item_id for b in same]}
        record("best_bet.move", bet, {"query": bet.query, "items": order}, after, admin)
    _changed(hall_id)
    return bet


def _bet(hall_id: str, bet_id: int) -> BestBet:
    bet = db.session.get(BestBet, bet_id)
    if bet is None or bet.hall_id != hall_id:
        raise RelevanceNotFoundError(f"hall {hall_id} has no best bet {bet_id}")
    return bet


def _bet_state(bet: BestBet) -> dict:
    return snapshot(bet, ("hall_id", "query", "item_id", "position"))


def best_bet_ids(hall_id: str, text: str) -> tuple[int, ...]:
    """Return the items pinned for a query as typed (normalised here), in order."""
    return hall_relevance(hall_id).best_bets.get(query_key(text), ())


def apply_best_bets(
    result: HallSearchResult, hall_id: str, account_ids: frozenset[str], language: str
) -> None:
    """Put the query's pinned items first ("Recommended") and out of the list below.

    Only pins that are live, in the hall's public accounts and within the chosen filters
    are shown; they lead page 1, and no page repeats them.
    """
    text = result.corrected if result.showing_corrected else result.params.q
    ids = best_bet_ids(hall_id, text or "")
    if not ids:
        return
    chosen = result.params.filters()
    pinned = [
        row
        for row in rows_for_items(list(ids), language, account_ids)
        if all(getattr(row, _ROW_FIELDS[name]) == value for name, value in chosen.items())
    ]
    shown = {row.id for row in pinned}
    result.rows = [row for row in result.rows if row.id not in shown]
    if result.page == 1:
        result.recommended = pinned
