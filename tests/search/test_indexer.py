import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

from hall.catalog.models import ChangeLog, Item
from hall.extensions import db
from hall.search import SearchQuery, indexer
from hall.search.analysis import analyse_item
from hall.search.index import (
    Checkpoint,
    current_generation_dir,
    open_index,
    read_checkpoint,
)
from hall.search.indexer import RebuildRunningError, apply_changes, rebuild
from hall.search.schema import META_DOC_ID
from hall.timestamps import utcnow
from tests.builders import make_item

ROOT = Path(__file__).resolve().parents[2]


def change(item: Item, **values) -> None:
    """Change an item and log it, as the sync runner does."""
    for name, value in values.items():
        setattr(item, name, value)
    tokens = analyse_item(item.title, item.body_text or "")
    item.title_tokens, item.body_tokens = tokens.title_tokens, tokens.body_tokens
    item.title_pinyin = tokens.title_pinyin
    db.session.add(ChangeLog(item_id=item.id, action="updated"))
    db.session.flush()


def tombstone(item: Item) -> None:
    item.tombstoned_at = utcnow()
    db.session.add(ChangeLog(item_id=item.id, action="tombstoned"))
    db.session.flush()


def indexed_ids(index_path) -> set[int]:
    with open_index(index_path).searcher() as searcher:
        ids = {fields["id"] for fields in searcher.all_stored_fields()}
    return {int(i) for i in ids - {META_DOC_ID}}


def checkpoint(index_path) -> Checkpoint:
    with open_index(index_path).searcher() as searcher:
        return read_checkpoint(searcher)


def live_ids() -> set[int]:
    return set(db.session.scalars(db.select(Item.id).where(Item.tombstoned_at.is_(None))))


def max_log_id() -> int:
    return db.session.scalar(db.select(db.func.max(ChangeLog.id)))


def test_applying_changes_indexes_new_items_once(app, index_path):
    first, second = make_item("社保卡补办"), make_item("公积金提取")
    db.session.commit()
    assert apply_changes(index_path) == 2
    assert indexed_ids(index_path) == {first.id, second.id}
    generation = open_index(index_path).latest_generation()

    assert apply_changes(index_path) == 0
    assert open_index(index_path).latest_generation() == generation  # no empty commit


def test_tombstoned_and_changed_items_are_updated(app, index_path, search):
    kept, gone = make_item("社保卡补办"), make_item("公积金提取")
    assert search("公积金").item_ids == [gone.id]

    tombstone(gone)
    change(kept, title="居民身份证补领")
    assert search("公积金").total == 0
    assert search("社保卡").total == 0
    assert search("身份证").item_ids == [kept.id]
    assert indexed_ids(index_path) == {kept.id}


def test_batches_resume_from_the_checkpoint_and_applying_twice_changes_nothing(app, index_path):
    items = [make_item(f"通知第{n}号") for n in range(5)]
    db.session.commit()
    assert apply_changes(index_path, batch_size=2) == 5
    assert checkpoint(index_path) == Checkpoint(high=max_log_id())

    # Replaying every row (as after a crash before the checkpoint was saved) is harmless.
    indexer._known_checkpoints.clear()
    with open_index(index_path).writer() as writer:
        writer.update_document(id=META_DOC_ID, checkpoint=Checkpoint().to_json())
    assert apply_changes(index_path, batch_size=2) == 5
    assert indexed_ids(index_path) == {item.id for item in items}


def test_a_crash_inside_a_batch_commits_nothing_and_the_next_pass_catches_up(
    app, index_path, monkeypatch
):
    make_item("已索引")
    db.session.commit()
    apply_changes(index_path)
    before = (indexed_ids(index_path), checkpoint(index_path))
    pending = [make_item("社保卡补办"), make_item("公积金提取")]
    db.session.commit()

    real_update = indexer.update_item
    calls = []

    def crash_on_second(writer, item, linked=False):
        calls.append(item.id)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed between two documents")
        real_update(writer, item, linked)

    monkeypatch.setattr(indexer, "update_item", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        apply_changes(index_path)
    assert (indexed_ids(index_path), checkpoint(index_path)) == before

    monkeypatch.setattr(indexer, "update_item", real_update)
    assert apply_changes(index_path) == 2
    assert indexed_ids(index_path) >= {item.id for item in pending}


def test_a_change_log_id_that_commits_late_is_still_applied(app, index_path):
    late, early = make_item("迟到的事务"), make_item("先提交的事务")
    late_row = db.session.scalar(db.select(ChangeLog).where(ChangeLog.item_id == late.id))
    late_id = late_row.id
    db.session.delete(late_row)  # not visible yet: its transaction is still open
    db.session.commit()

    apply_changes(index_path)
    assert indexed_ids(index_path) == {early.id}
    assert checkpoint(index_path).gaps[0][:2] == [late_id, late_id]

    db.session.add(ChangeLog(id=late_id, item_id=late.id, action="added"))
    db.session.commit()
    assert apply_changes(index_path) == 1
    assert indexed_ids(index_path) == {early.id, late.id}
    assert checkpoint(index_path).gaps == []


def test_a_gap_older_than_the_grace_period_is_given_up(app, index_path):
    missing, present = make_item("回滚的事务"), make_item("已提交")
    db.session.delete(
        db.session.scalar(db.select(ChangeLog).where(ChangeLog.item_id == missing.id))
    )
    db.session.commit()
    apply_changes(index_path)
    assert checkpoint(index_path).gaps

    time.sleep(0.01)
    apply_changes(index_path, gap_grace_seconds=0)
    assert checkpoint(index_path) == Checkpoint(high=max_log_id())
    assert indexed_ids(index_path) == {present.id}


def test_rebuild_indexes_live_items_and_sets_the_checkpoint(app, index_path, search, service):
    live, gone = make_item("社保卡补办"), make_item("公积金提取", tombstoned=True)
    db.session.commit()
    progress = []
    assert rebuild(index_path, progress=lambda done, total: progress.append((done, total))) == 1
    assert progress[-1] == (1, 1)
    assert indexed_ids(index_path) == {live.id}
    assert checkpoint(index_path).high == max_log_id()

    later = make_item("公积金缴存")
    assert search("公积金").item_ids == [later.id]
    assert gone.id not in indexed_ids(index_path)


def test_rebuild_with_two_processes_indexes_everything(app, index_path):
    items = [make_item(f"营业执照第{n}批") for n in range(7)]
    db.session.commit()
    assert rebuild(index_path, procs=2, batch_size=3) == 7
    assert indexed_ids(index_path) == {item.id for item in items}


def test_only_one_rebuild_runs_at_a_time(app, index_path):
    os.makedirs(index_path, exist_ok=True)
    lock = FileStorage(index_path).lock("rebuild.lock")
    assert lock.acquire(blocking=False)
    try:
        with pytest.raises(RebuildRunningError):
            rebuild(index_path)
    finally:
        lock.release()


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_rebuild_killed_midway_leaves_the_old_index_working(app, index_path, service, tmp_path):
    items = [make_item(f"社保卡补办通知{n}") for n in range(6)]
    # Whoosh hands documents to its sub-processes a hundred at a time.
    for n in range(250):
        make_item(f"其他通知{n}")
    db.session.commit()
    apply_changes(index_path)
    before = current_generation_dir(index_path)
    halfway = tmp_path / "halfway"
    script = textwrap.dedent(
        f"""
        import time
        from hall import create_app
        from hall.search.indexer import rebuild

        app = create_app({{"INSTANCE_PATH": {app.instance_path!r},
                          "DATABASE_URL": {app.config["SQLALCHEMY_DATABASE_URI"]!r}}})

        def progress(done, total):
            if done >= 200:
                open({str(halfway)!r}, "w").close()
                time.sleep(60)

        with app.app_context():
            rebuild(app.config["INDEX_PATH"], progress=progress, procs=2, batch_size=50)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while not halfway.exists():
            assert child.poll() is None, "the rebuild ended before it was killed"
            assert time.monotonic() < deadline, "the rebuild never got halfway"
            time.sleep(0.05)
        writers = children_of(child.pid)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert writers, "the rebuild should write with sub-processes"
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in writers):
        assert time.monotonic() < deadline, "segment writers outlived the killed rebuild"
        time.sleep(0.1)

    assert current_generation_dir(index_path) == before
    assert len(list(Path(index_path).glob("gen-*"))) == 2  # the half-built one is left
    service.reload()
    assert service.search(SearchQuery(text="社保卡")).total == 6

    tombstone(items[0])
    make_item("社保卡补办通知新")
    db.session.commit()
    rebuild(index_path, procs=1)
    assert indexed_ids(index_path) == live_ids()
    assert len(list(Path(index_path).glob("gen-*"))) == 2  # the new and the previous one
    service.reload()
    assert service.search(SearchQuery(text="社保卡")).total == 6
