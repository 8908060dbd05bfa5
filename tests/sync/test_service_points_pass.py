"""After an index pass the worker refreshes service points: every guide on its first pass
and after a failure, only the changed services' places otherwise."""

from __future__ import annotations

import pytest

from hall.directory import points
from hall.sync.scheduler import index_and_follow, refresh_service_points


def test_the_first_pass_and_the_pass_after_a_failure_read_every_guide(app, monkeypatch):
    asked = []

    def refresh(item_ids=None):
        asked.append(item_ids)
        if item_ids == {3}:
            raise RuntimeError("the database went away")
        return points.PointChanges()

    monkeypatch.setattr(points, "refresh_guide_points", refresh)

    for changed in ({1}, {2}, {3}, {4}, {5}):
        refresh_service_points(changed)  # the failure is logged, never raised

    # In step after the first full pass; out of step after the failure, so the next pass
    # catches up with everything the failed one missed.
    assert asked == [None, {2}, {3}, None, {5}]


def test_an_index_pass_that_breaks_midway_makes_the_next_refresh_read_every_guide(app, monkeypatch):
    from hall.search import indexer

    asked = []
    monkeypatch.setattr(
        points, "refresh_guide_points", lambda item_ids=None: asked.append(item_ids)
    )

    def apply_changes(index_path, batch_size=None, *, changed=None, **_):
        changed.update({7, 8})  # one batch landed in the index
        raise OSError("disk full")  # the next one broke

    monkeypatch.setattr(indexer, "apply_changes", apply_changes)
    refresh_service_points({1})  # in step

    with pytest.raises(OSError):
        index_and_follow()
    refresh_service_points({9})

    assert asked == [None, None]  # items 7 and 8 are caught up by a full pass
