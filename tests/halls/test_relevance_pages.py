"""The administrator's relevance pages, and what they change on a hall's results page."""

from __future__ import annotations

import re

import pytest

from hall.extensions import db
from hall.halls import relevance
from tests.admin.conftest import signed_in
from tests.builders import make_user
from tests.web_fixtures import build_sample_hall, index, page_result_ids


@pytest.fixture
def sample(app):
    sample = build_sample_hall()
    make_user("root", role="admin")
    index(app)
    return sample


@pytest.fixture
def admin(app, sample):
    return signed_in(app, "root", token_page="/admin/halls/county/synonyms")


def group_id(word: str) -> int:
    return next(g.id for g in relevance.list_synonym_groups("county") if word in g.words)


def test_the_synonyms_page_lists_the_seed_groups_with_their_forms(admin):
    client, _ = admin
    page = client.get("/admin/halls/county/synonyms").get_data(as_text=True)

    assert 'value="社保, 社会保险"' in page and "预置" in page
    assert page.count('name="csrf_token"') >= 3 * len(relevance.list_synonym_groups("county"))


def test_adding_a_group_from_the_form_changes_the_results_page(client, admin):
    browser, token = admin
    assert (
        page_result_ids(client.get("/halls/county/search?q=jobless").get_data(as_text=True)) == []
    )

    response = browser.post(
        "/admin/halls/county/synonyms", data={"csrf_token": token, "words": "jobless, 失业保险金"}
    )

    assert response.status_code == 302
    assert "同义词组已添加" in browser.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        len(page_result_ids(client.get("/halls/county/search?q=jobless").get_data(as_text=True)))
        == 1
    )


def test_a_bad_group_is_shown_again_with_the_reason(admin):
    browser, token = admin
    response = browser.post(
        "/admin/halls/county/synonyms", data={"csrf_token": token, "words": "孤零零"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "每组须有 2 至 10 个不同的词" in page and 'value="孤零零"' in page


def test_switching_a_group_off_from_the_form(client, admin):
    browser, token = admin
    before = page_result_ids(client.get("/halls/county/search?q=社保").get_data(as_text=True))

    response = browser.post(
        f"/admin/halls/county/synonyms/{group_id('社保')}/enabled",
        data={"csrf_token": token, "enabled": "0"},
    )

    assert response.status_code == 302 and len(before) == 2
    assert page_result_ids(client.get("/halls/county/search?q=社保").get_data(as_text=True)) == []


def test_an_unknown_group_is_a_404(admin):
    browser, token = admin
    response = browser.post("/admin/halls/county/synonyms/99999/delete", data={"csrf_token": token})

    assert response.status_code == 404


def test_pinning_from_a_plain_search_puts_the_item_first_as_recommended(client, admin, sample):
    browser, token = admin
    page = browser.get("/admin/halls/county/best-bets?q=社會保險").get_data(as_text=True)
    assert 'name="q" value="社会保险"' in page  # normalised before anything is pinned
    assert f'name="item_id" value="{sample.police_notice.id}"' in page

    response = browser.post(
        "/admin/halls/county/best-bets",
        data={"csrf_token": token, "q": "社会保险", "item_id": str(sample.police_notice.id)},
    )
    assert response.status_code == 302

    results = client.get("/halls/county/search?q=社会保险").get_data(as_text=True)
    assert page_result_ids(results) == [sample.police_notice.id, sample.notice.id]
    recommended = results[results.index('class="recommended"') : results.index("</section>")]
    assert "推荐" in recommended and f"/items/{sample.police_notice.id}" in recommended


def test_pinning_an_item_outside_the_hall_is_refused_with_the_reason(admin, sample):
    browser, token = admin
    response = browser.post(
        "/admin/halls/county/best-bets",
        data={"csrf_token": token, "q": "社会保险", "item_id": str(sample.outsider.id)},
    )

    assert response.status_code == 422
    assert "只能推荐本大厅中仍然有效的条目" in response.get_data(as_text=True)


def test_a_pin_can_be_removed(client, admin, sample):
    browser, token = admin
    bet = relevance.pin_item(
        make_user("second", role="admin"), "county", query="社会保险", item_id=sample.service.id
    )
    db.session.commit()
    page = browser.get("/admin/halls/county/best-bets").get_data(as_text=True)
    assert re.search(r"失业保险金申领", page)

    browser.post(f"/admin/halls/county/best-bets/{bet.id}/delete", data={"csrf_token": token})

    assert relevance.list_best_bets("county") == {}
    results = client.get("/halls/county/search?q=社会保险").get_data(as_text=True)
    assert 'class="recommended"' not in results
