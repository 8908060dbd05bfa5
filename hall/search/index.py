"""The writer side of the index: folder layout, documents, the stored checkpoint.

Layout of INDEX_PATH, built so a rebuild swaps atomically and a killed process never
leaves a broken index::

    INDEX_PATH/
      CURRENT           "gen-00000003": the live generation, replaced with os.replace
      gen-00000002/     the previous generation, kept until the next rebuild so
                        searchers still open on it keep working
      gen-00000003/     the live Whoosh index
      gen-00000004/     a rebuild in progress (or left by a killed one: the next
                        rebuild removes every folder CURRENT does not name)

A generation folder becomes live only after it is complete and synced to disk.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter

from hall.catalog.models import Item
from hall.search.schema import META_DOC_ID, build_schema

CURRENT_FILE = "CURRENT"
GENERATION_PREFIX = "gen-"


@dataclass
class Checkpoint:
    """How far the change log has been applied to one index generation.

    Every change-log row with id <= `high` is in the index, except the ids inside `gaps`:
    ids not visible yet when the indexer passed them (on PostgreSQL a transaction with a
    lower id can commit after a higher one). Each gap is [first_id, last_id, noticed_at]
    and is re-read until its rows appear or it is older than the grace period.
    """

    high: int = 0
    gaps: list[list[float]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"high": self.high, "gaps": self.gaps})

    @classmethod
    def from_json(cls, text: str | None) -> Checkpoint:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(high=int(data.get("high", 0)), gaps=[list(g) for g in data.get("gaps", [])])


def current_generation_dir(index_path: str | os.PathLike) -> Path | None:
    """Return the live generation folder, or None when there is no index yet."""
    root = Path(index_path)
    try:
        name = (root / CURRENT_FILE).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    folder = root / name
    if not name.startswith(GENERATION_PREFIX) or not whoosh_index.exists_in(folder):
        return None
    return folder


def open_index(index_path: str | os.PathLike) -> Index | None:
    """Open the live generation for reading, or return None when there is none."""
    folder = current_generation_dir(index_path)
    return whoosh_index.open_dir(str(folder)) if folder is not None else None


def open_or_create(index_path: str | os.PathLike) -> Index:
    """Open the live generation, creating an empty one (checkpoint 0) when there is none."""
    ix = open_index(index_path)
    if ix is not None:
        return ix
    folder = new_generation_dir(index_path)
    ix = whoosh_index.create_in(str(folder), build_schema())
    with ix.writer() as writer:
        write_checkpoint(writer, Checkpoint())
    publish_generation(index_path, folder)
    return ix


def new_generation_dir(index_path: str | os.PathLike) -> Path:
    """Create and return an empty folder for the next generation."""
    root = Path(index_path)
    root.mkdir(parents=True, exist_ok=True)
    numbers = [_generation_number(p.name) for p in root.iterdir()]
    number = max([n for n in numbers if n is not None], default=0) + 1
    while True:
        folder = root / f"{GENERATION_PREFIX}{number:08d}"
        try:
            folder.mkdir()  # atomic: two creators never share a folder
            return folder
        except FileExistsError:
            number += 1


def publish_generation(index_path: str | os.PathLike, folder: Path) -> None:
    """Make `folder` the live generation in one atomic step, after syncing it to disk."""
    root = Path(index_path)
    for path in folder.iterdir():
        _fsync(path)
    _fsync(folder)
    temporary = root / f"{CURRENT_FILE}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="ascii") as handle:
        handle.write(folder.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, root / CURRENT_FILE)
    _fsync(root)


def remove_stale_generations(index_path: str | os.PathLike) -> list[str]:
    """Delete every generation folder and temporary file except the live generation."""
    root = Path(index_path)
    if not root.is_dir():
        return []
    live = current_generation_dir(root)
    removed = []
    for path in root.iterdir():
        if live is not None and path.name == live.name:
            continue
        if _generation_number(path.name) is not None:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
        elif path.name.startswith(f"{CURRENT_FILE}.") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def document_for(item: Item, linked: bool = False) -> dict[str, object]:
    """Return the Whoosh document of a live item from its stored tokens (never jieba).

    `linked` says the item has live copies on other channels; they share a `link` value.
    """
    department = item.account.department
    fields: dict[str, object] = {
        "id": str(item.id),
        "kind": item.kind,
        "content_type": item.content_type,
        "sector": department.sector,
        "department": department.id,
        "account": item.account_id,
        "language": item.language,
        "title": item.title_tokens,
        "body": item.body_tokens,
        "pinyin": item.title_pinyin,
        "published": _epoch_seconds(item.sort_time),
        "link": item.link_key if linked else None,
    }
    # Empty values would index an empty term; leave the field out instead.
    return {name: value for name, value in fields.items() if value not in (None, "")}


def add_items(writer: IndexWriter, items: Iterable[Item], linked: Container[str] = ()) -> int:
    """Add items to a fresh index (no delete pass); return how many."""
    count = 0
    for item in items:
        writer.add_document(**document_for(item, item.link_key in linked))
        count += 1
    return count


def update_item(writer: IndexWriter, item: Item, linked: bool = False) -> None:
    """Replace an item's document (or add it), keyed by id."""
    writer.update_document(**document_for(item, linked))


def add_missing_fields(writer: IndexWriter) -> None:
    """Add fields a newer schema has to an index built before them (no rebuild needed)."""
    current = writer.schema
    for name, field_type in build_schema().items():
        if name not in current:
            writer.add_field(name, field_type)


def delete_item(writer: IndexWriter, item_id: int) -> None:
    """Remove an item's document if it is there."""
    writer.delete_by_term("id", str(item_id))


def write_checkpoint(writer: IndexWriter, checkpoint: Checkpoint) -> None:
    """Store the checkpoint in the meta document, so it commits with the batch."""
    writer.update_document(id=META_DOC_ID, checkpoint=checkpoint.to_json())


def read_checkpoint(searcher: Searcher) -> Checkpoint:
    """Read the checkpoint stored in the meta document (empty when there is none)."""
    stored = searcher.document(id=META_DOC_ID)
    return Checkpoint.from_json(stored.get("checkpoint") if stored else None)


def generation_name(index_path: str | os.PathLike) -> str | None:
    """Return the name of the live generation folder, or None."""
    folder = current_generation_dir(index_path)
    return folder.name if folder is not None else None


def _generation_number(name: str) -> int | None:
    suffix = name.removeprefix(GENERATION_PREFIX)
    if name.startswith(GENERATION_PREFIX) and suffix.isdigit():
        return int(suffix)
    return None


def _epoch_seconds(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment is not None else 0


def _fsync(path: Path) -> None:
    # Survives a power cut, not only a killed process: the data is on disk before
    # CURRENT names it.
    flags = os.O_RDONLY
    if path.is_dir():
        flags |= getattr(os, "O_DIRECTORY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some filesystems refuse to sync directories
    finally:
        os.close(descriptor)
