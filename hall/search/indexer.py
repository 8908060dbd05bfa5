"""The only writer of the index: follow the change log, or rebuild from the database.

Both run inside a Flask app context and read through their own SQLAlchemy session, so
they never touch (or expire) the caller's session.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, load_only
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index
from whoosh.multiproc import MpWriter, SubWriterTask

from hall.catalog.models import ChangeLog, Item
from hall.directory.models import Account, Department
from hall.extensions import db
from hall.search.index import (
    Checkpoint,
    add_items,
    add_missing_fields,
    delete_item,
    new_generation_dir,
    open_or_create,
    publish_generation,
    read_checkpoint,
    remove_stale_generations,
    update_item,
    write_checkpoint,
)
from hall.search.schema import build_schema

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# A rebuild treats ids missing among the newest this-many change-log ids as gaps that may
# still fill (transactions in flight while it read the maximum id).
REBUILD_GAP_WINDOW = 10_000

# More open gaps than this are not worth re-reading every pass; the oldest are given up.
MAX_OPEN_GAPS = 500

# Seconds a writer waits for the index lock before giving up.
WRITER_LOCK_TIMEOUT = 30.0

# Columns a document needs; the heavy ones (HTML, guide JSON) are never loaded.
_ITEM_COLUMNS = (
    Item.id,
    Item.kind,
    Item.content_type,
    Item.account_id,
    Item.language,
    Item.title_tokens,
    Item.body_tokens,
    Item.title_pinyin,
    Item.published_at,
    Item.updated_at,
    Item.tombstoned_at,
    Item.link_key,
)

# Checkpoints this process committed, by (generation folder, Whoosh generation): lets an
# idle pass skip opening a searcher, which costs ~200 ms on a large index.
_known_checkpoints: dict[tuple[str, int], Checkpoint] = {}


class RebuildRunningError(Exception):
    """Another process is rebuilding the same index."""


class IncompleteRebuildError(Exception):
    """The new index lost documents while it was built; the old one stays live."""


def apply_changes(
    index_path: str | os.PathLike,
    batch_size: int | None = None,
    *,
    gap_grace_seconds: float | None = None,
    changed: set[int] | None = None,
) -> int:
    """Apply change-log rows after the index checkpoint; return how many rows were applied.

    The ids of the items those rows named are added to `changed`, when given.

    Each batch is one Whoosh commit that also stores the new checkpoint, so a crash loses
    at most an uncommitted batch, which the next pass applies again. Applying a row twice
    is harmless: a row only says "look at this item again", and the item's current state
    is what gets written.

    Change-log ids can become visible out of order on PostgreSQL (a transaction holding a
    lower id commits after one holding a higher id). Ids skipped that way are remembered in
    the checkpoint as gaps and re-read on every pass until they appear, or until they are
    older than INDEX_GAP_GRACE_SECONDS (then the transaction is taken to have rolled
    back). Rows after a gap are applied at once, so a gap never delays search.
    """
    config = current_app.config
    batch_size = batch_size or config["INDEX_BATCH_SIZE"]
    grace = config["INDEX_GAP_GRACE_SECONDS"] if gap_grace_seconds is None else gap_grace_seconds
    ix = open_or_create(index_path)
    applied = 0
    with Session(db.engine) as session:
        while True:
            count, more = _apply_batch(ix, session, batch_size, grace, changed)
            applied += count
            if not more:
                return applied


def rebuild(
    index_path: str | os.PathLike,
    progress: Progress | None = None,
    *,
    procs: int | None = None,
    batch_size: int | None = None,
) -> int:
    """Build a fresh index of every live item beside the live one, then swap it in.

    The maximum change-log id is read before any item, and becomes the new checkpoint:
    a change committed while the rebuild runs has a higher id, so the indexer applies it
    afterwards. Killing the process at any moment leaves the old index live; the half-built
    folder is removed by the next rebuild. Returns the number of items indexed.
    """
    config = current_app.config
    procs = procs or config["INDEX_REBUILD_PROCS"]
    batch_size = batch_size or config["INDEX_BATCH_SIZE"]
    root = Path(index_path)
    root.mkdir(parents=True, exist_ok=True)
    lock = FileStorage(str(root)).lock("rebuild.lock")
    if not lock.acquire(blocking=False):
        raise RebuildRunningError(f"another rebuild of {root} is running")
    try:
        with Session(db.engine) as session:
            checkpoint = _rebuild_checkpoint(session)
            total = session.scalar(select(func.count(Item.id)).where(Item.tombstoned_at.is_(None)))
            remove_stale_generations(root)
            folder = new_generation_dir(root)
            done = _build_generation(
                folder, session, checkpoint, total, procs, batch_size, progress
            )
        publish_generation(root, folder)
        return done
    finally:
        lock.release()


def _apply_batch(
    ix: Index, session: Session, batch_size: int, grace: float, changed: set[int] | None = None
) -> tuple[int, bool]:
    """Apply up to one batch of rows in one commit; return (rows applied, more waiting)."""
    checkpoint = _checkpoint_of(ix)
    rows, new_checkpoint, more = _pending_rows(session, checkpoint, batch_size, grace)
    if not rows and new_checkpoint == checkpoint:
        return 0, False
    item_ids = sorted({item_id for _, item_id in rows})
    items = _load_items(session, item_ids)
    keys = {item.link_key for item in items.values() if item.link_key}
    linked = _linked_keys(session, keys)
    # A new copy links its partners too, and a retired one may unlink them: re-index them.
    partners = (
        session.scalars(
            select(Item.id).where(
                Item.link_key.in_(keys), Item.tombstoned_at.is_(None), Item.id.not_in(item_ids)
            )
        ).all()
        if keys
        else []
    )
    items.update(_load_items(session, sorted(partners)))
    writer = ix.writer(timeout=WRITER_LOCK_TIMEOUT)
    try:
        add_missing_fields(writer)
        for item_id in [*item_ids, *sorted(partners)]:
            item = items.get(item_id)
            if item is not None and item.tombstoned_at is None:
                update_item(writer, item, item.link_key in linked)
            else:
                delete_item(writer, item_id)
        write_checkpoint(writer, new_checkpoint)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    _known_checkpoints[_checkpoint_key(ix)] = new_checkpoint
    session.expunge_all()
    if changed is not None:
        changed.update(item_ids)
    return len(rows), more


def _checkpoint_of(ix: Index) -> Checkpoint:
    known = _known_checkpoints.get(_checkpoint_key(ix))
    if known is not None:
        return known
    with ix.searcher() as searcher:
        return read_checkpoint(searcher)


def _checkpoint_key(ix: Index) -> tuple[str, int]:
    return ix.storage.folder, ix.latest_generation()


def _pending_rows(
    session: Session, checkpoint: Checkpoint, batch_size: int, grace: float
) -> tuple[list[tuple[int, int]], Checkpoint, bool]:
    """Return the rows to apply, the checkpoint after them, and whether more rows wait."""
    now = time.time()
    gap_rows = _rows_in_gaps(session, checkpoint.gaps)
    found = {row_id for row_id, _ in gap_rows}
    gaps = []
    for first, last, noticed in checkpoint.gaps:
        if now - noticed > grace:
            log.warning(
                "giving up change-log ids %d-%d: not committed after %ds", first, last, grace
            )
            continue
        gaps += _split_gap(int(first), int(last), noticed, found)

    new_rows = session.execute(
        select(ChangeLog.id, ChangeLog.item_id)
        .where(ChangeLog.id > checkpoint.high)
        .order_by(ChangeLog.id)
        .limit(batch_size)
    ).all()
    high = checkpoint.high
    for row_id, _ in new_rows:
        if row_id > high + 1:
            gaps.append([high + 1, row_id - 1, now])
        high = row_id
    gaps = gaps[-MAX_OPEN_GAPS:]
    rows = [tuple(row) for row in [*gap_rows, *new_rows]]
    return rows, Checkpoint(high=high, gaps=gaps), len(new_rows) == batch_size


def _rows_in_gaps(session: Session, gaps: list[list[float]]) -> list[tuple[int, int]]:
    if not gaps:
        return []
    ranges = [ChangeLog.id.between(int(first), int(last)) for first, last, _ in gaps]
    return [
        tuple(r)
        for r in session.execute(select(ChangeLog.id, ChangeLog.item_id).where(or_(*ranges)))
    ]


def _split_gap(first: int, last: int, noticed: float, found: set[int]) -> list[list[float]]:
    """Return what is left of the gap [first, last] once the `found` ids are taken out."""
    left = []
    start = first
    for row_id in sorted(i for i in found if first <= i <= last):
        if row_id > start:
            left.append([start, row_id - 1, noticed])
        start = row_id + 1
    if start <= last:
        left.append([start, last, noticed])
    return left


def _linked_keys(session: Session, keys: set[str] | None = None) -> set[str]:
    """Return the link keys (of `keys`, or all) that two or more live items share."""
    query = (
        select(Item.link_key)
        .where(Item.link_key.is_not(None), Item.tombstoned_at.is_(None))
        .group_by(Item.link_key)
        .having(func.count() > 1)
    )
    if keys is not None:
        if not keys:
            return set()
        query = query.where(Item.link_key.in_(keys))
    return set(session.scalars(query))


def _load_items(session: Session, item_ids: list[int]) -> dict[int, Item]:
    """Load items with their account and department, in one query per 1,000 ids."""
    items = {}
    for start in range(0, len(item_ids), 1000):
        chunk = item_ids[start : start + 1000]
        for item in session.scalars(_item_query().where(Item.id.in_(chunk))):
            items[item.id] = item
    return items


def _item_query():
    return select(Item).options(
        load_only(*_ITEM_COLUMNS),
        joinedload(Item.account)
        .load_only(Account.id, Account.department_id)
        .joinedload(Account.department)
        .load_only(Department.id, Department.sector),
    )


def _live_item_batches(session: Session, batch_size: int) -> Iterator[list[Item]]:
    """Yield live items in id order, one keyset-paged query per batch."""
    last_id = 0
    while True:
        batch = list(
            session.scalars(
                _item_query()
                .where(Item.tombstoned_at.is_(None), Item.id > last_id)
                .order_by(Item.id)
                .limit(batch_size)
            )
        )
        if not batch:
            return
        yield batch
        last_id = batch[-1].id
        session.expunge_all()  # keep memory flat on large catalogues


def _rebuild_checkpoint(session: Session) -> Checkpoint:
    """Read the maximum change-log id, with recent ids not visible yet as gaps."""
    high = session.scalar(select(func.max(ChangeLog.id))) or 0
    floor = max(0, high - REBUILD_GAP_WINDOW)
    seen = session.scalars(select(ChangeLog.id).where(ChangeLog.id > floor)).all()
    gaps = _split_gap(floor + 1, high, time.time(), set(seen)) if high else []
    return Checkpoint(high=high, gaps=gaps[-MAX_OPEN_GAPS:])


def _build_generation(
    folder: Path,
    session: Session,
    checkpoint: Checkpoint,
    total: int,
    procs: int,
    batch_size: int,
    progress: Progress | None,
) -> int:
    """Fill a new generation folder with every live item; return how many."""
    ix = whoosh_index.create_in(str(folder), build_schema())
    # Bulk build: one writer; with procs > 1 each process writes its own segment and
    # multisegment skips the final merge (2x faster, measured in SEARCH-PERF).
    if procs > 1:
        writer = _ParallelWriter(ix, procs=procs, multisegment=True, limitmb=128)
    else:
        writer = ix.writer(limitmb=128)
    done = 0
    try:
        if progress:
            progress(0, total)
        linked = _linked_keys(session)
        for batch in _live_item_batches(session, batch_size):
            done += add_items(writer, batch, linked)
            if progress:
                progress(done, total)
        write_checkpoint(writer, checkpoint)
    except BaseException:
        writer.cancel()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    writer.commit()
    # Whoosh's multi-process writer drops a sub-process's segment silently if that
    # process died; never publish an index that lost documents.
    if ix.doc_count() != done + 1:  # the items and the meta document
        shutil.rmtree(folder, ignore_errors=True)
        raise IncompleteRebuildError(f"built {ix.doc_count() - 1} documents of {done}")
    return done


class _OrphanSafeTask(SubWriterTask):
    """A segment-writing sub-process that exits when its parent dies.

    Whoosh's sub-processes wait on a queue forever, so a rebuild killed with SIGKILL
    would leave them behind, holding memory; their half-written segment is garbage anyway.
    """

    def run(self) -> None:
        parent = os.getppid()

        def exit_when_orphaned() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            os._exit(1)

        threading.Thread(target=exit_when_orphaned, daemon=True).start()
        super().run()


class _ParallelWriter(MpWriter):
    """Whoosh's multi-process writer, with sub-processes that do not outlive it."""

    def _new_task(self) -> SubWriterTask:
        # Same as MpWriter._new_task, with the task class swapped.
        task = _OrphanSafeTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task
