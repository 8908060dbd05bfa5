"""Content gaps in the console: each department's operators see and resolve their own."""

from __future__ import annotations

import pytest

from hall.extensions import db
from hall.reports.models import ContentGap
from tests.builders import make_hall
from tests.signin import sign_in


@pytest.fixture
def gaps(app, departments) -> tuple[int, int]:
    """An open gap for department A (hrss) and one for department B (police)."""
    make_hall("county", [departments[0].account, departments[1].account])
    ours = ContentGap(hall_id="county", query="火星签证", department_id="hrss", note="请补充")
    theirs = ContentGap(hall_id="county", query="月球户口", department_id="police")
    db.session.add_all([ours, theirs])
    db.session.commit()
    return ours.id, theirs.id


def test_a_visitor_is_sent_to_sign_in(client, gaps):
    response = client.get("/console/gaps")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_operator_sees_only_their_departments_gaps(client, gaps, operator):
    page = client.get("/console/gaps").get_data(as_text=True)

    assert "火星签证" in page and "请补充" in page
    assert "月球户口" not in page


def test_an_operator_cannot_resolve_another_departments_gap(client, gaps, operator):
    _, theirs = gaps
    response = client.post(
        f"/console/gaps/{theirs}/resolve", data={"csrf_token": operator, "status": "dismissed"}
    )

    assert response.status_code == 403
    assert db.session.get(ContentGap, theirs).status == "open"


def test_an_unknown_gap_is_a_404(client, gaps, operator):
    response = client.post(
        "/console/gaps/99999/resolve", data={"csrf_token": operator, "status": "dismissed"}
    )

    assert response.status_code == 404


def test_resolving_needs_the_csrf_token(client, gaps, operator):
    ours, _ = gaps
    response = client.post(f"/console/gaps/{ours}/resolve", data={"status": "dismissed"})

    assert response.status_code == 400


def test_answering_says_what_was_published(client, gaps, operator):
    ours, _ = gaps
    refused = client.post(
        f"/console/gaps/{ours}/resolve", data={"csrf_token": operator, "status": "answered"}
    )
    assert refused.status_code == 422
    assert "请说明为此发布了什么内容" in refused.get_data(as_text=True)

    done = client.post(
        f"/console/gaps/{ours}/resolve",
        data={"csrf_token": operator, "status": "answered", "resolution": "《火星签证指南》"},
    )

    assert done.status_code == 302
    gap = db.session.get(ContentGap, ours)
    assert gap.status == "answered" and gap.resolution == "《火星签证指南》"
    answered = client.get("/console/gaps?status=answered").get_data(as_text=True)
    assert "《火星签证指南》" in answered


def test_an_admin_sees_every_departments_gaps(client, gaps):
    sign_in(client, "admin")
    page = client.get("/console/gaps").get_data(as_text=True)

    assert "火星签证" in page and "月球户口" in page
