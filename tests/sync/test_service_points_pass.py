"""After an index pass the worker refreshes service points: every guide on its first pass
and after a failure, only the changed services' places otherwise."""

from __future__ import annotations

from hall.directory import points
from hall.sync.scheduler import refresh_service_points


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
