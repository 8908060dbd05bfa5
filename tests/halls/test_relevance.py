"""Per-hall synonyms and best bets: what administrators change, and what citizens then find."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hall.audit.models import AuditEntry
from hall.extensions import db
from hall.halls import curation, relevance
from hall.halls.models import SynonymGroup
from hall.halls.relevance import RelevanceError, RelevanceNotFoundError
from hall.halls.services import SearchParams, get_hall, search_hall
from hall.importer import import_text
from hall.search.synonyms import SEED_GROUPS
from hall.users.services import PermissionDeniedError
from tests.builders import make_hall, make_item, make_user
from tests.web_fixtures import build_sample_hall, index


@pytest.fixture(autouse=True)
def request_context(app):
    """Result rows link to item pages: searching needs a request, as on a page."""
    with app.test_request_context():
        yield


@pytest.fixture
def sample(app):
    sample = build_sample_hall()
    index(app)
    return sample


@pytest.fixture
def admin(app):
    return make_user("root", role="admin")


def found(q: str, **values) -> list[int]:
    """Search the county hall as its results page does and return the listed ids."""
    params = SearchParams(q=q, **values)
    result = search_hall(get_hall("county"), params, "zh", best_bets=True)
    return [row.id for row in result.recommended] + [row.id for row in result.rows]


def group_with(word: str) -> SynonymGroup:
    groups = relevance.list_synonym_groups("county")
    return next(group for group in groups if word in group.words)


def actions() -> list[str]:
    """Return the audited actions on synonym groups and best bets, oldest first."""
    query = select(AuditEntry.action).where(
        AuditEntry.target_type.in_(("synonym_group", "best_bet"))
    )
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def test_a_created_hall_starts_with_the_seed_groups(app, admin):
    curation.create_hall(admin, "town", title="某某镇政务服务大厅")
    import_text("halls:\n  - id: city\n    title: 某某市政务服务大厅\n")

    for hall_id in ("town", "city"):
        groups = relevance.list_synonym_groups(hall_id)
        assert [tuple(g.words) for g in groups] == list(SEED_GROUPS)
        assert all(g.seed and g.enabled for g in groups)


def test_the_seed_synonyms_find_the_full_name(sample):
    assert found("社保") == [sample.notice.id, sample.police_notice.id]


def test_switching_a_seed_group_off_changes_that_halls_results_only(app, sample, admin):
    make_hall("other", ["hrss-web"])
    group = group_with("社保")

    relevance.set_synonym_group_enabled(admin, "county", group.id, enabled=False)
    db.session.commit()

    assert found("社保") == []
    other = search_hall(get_hall("other"), SearchParams(q="社保"), "zh")
    assert [row.id for row in other.rows] == [sample.notice.id]
    relevance.set_synonym_group_enabled(admin, "county", group.id, enabled=True)
    db.session.commit()
    assert found("社保") == [sample.notice.id, sample.police_notice.id]
    assert actions() == ["synonyms.disable", "synonyms.enable"]


def test_a_new_group_expands_queries_both_ways(app, sample, admin):
    make_item("一网通办平台上线通知", connector="hrss-web-feed")
    index(app)
    assert found("政务服务网") == []

    relevance.add_synonym_group(admin, "county", words="一网通办，政务服务网")
    db.session.commit()

    assert len(found("政务服务网")) == 1
    assert actions() == ["synonyms.add"]


def test_editing_and_deleting_a_group_apply_at_once(app, sample, admin):
    group = group_with("社保")

    relevance.edit_synonym_group(admin, "county", group.id, words="社保 社会保障")
    db.session.commit()
    assert found("社保") == []

    relevance.delete_synonym_group(admin, "county", group.id)
    db.session.commit()
    assert db.session.get(SynonymGroup, group.id) is None
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "synonyms.delete" and entry.before["words"] == ["社保", "社会保障"]


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("社會保險，社保", ["社会保险", "社保"]),  # traditional folded, Chinese comma
        (" Licence ,license、LICENSE ; permit ", ["licence", "license", "permit"]),
    ],
)
def test_words_are_split_and_normalised(typed, words):
    assert relevance.parse_words(typed) == words


@pytest.mark.parametrize(
    "typed",
    ["社保", "社保 社保", " ".join(f"词{n}" for n in range(11)), "社保 " + "长" * 31, ""],
)
def test_a_group_needs_two_to_ten_words_of_at_most_thirty_characters(typed):
    with pytest.raises(RelevanceError):
        relevance.parse_words(typed)


def test_only_administrators_tune_and_only_their_halls_groups(app, sample, admin):
    operator = make_user("op-hrss")
    make_hall("other", [])
    foreign = relevance.list_synonym_groups("other")[0]

    with pytest.raises(PermissionDeniedError):
        relevance.add_synonym_group(operator, "county", words="甲 乙")
    with pytest.raises(RelevanceNotFoundError):
        relevance.delete_synonym_group(admin, "county", foreign.id)


def test_best_bets_come_first_in_order_and_are_not_repeated(app, sample, admin):
    relevance.pin_item(admin, "county", query="社会保险", item_id=sample.police_notice.id)
    relevance.pin_item(admin, "county", query="社会保险", item_id=sample.service.id)
    db.session.commit()

    result = search_hall(get_hall("county"), SearchParams(q="社会保险"), "zh", best_bets=True)

    assert [row.id for row in result.recommended] == [sample.police_notice.id, sample.service.id]
    assert [row.id for row in result.rows] == [sample.notice.id]
    assert actions() == ["best_bet.pin", "best_bet.pin"]
    bet = relevance.list_best_bets("county")["社会保险"][1]
    relevance.move_best_bet(admin, "county", bet.id, offset=-1)
    db.session.commit()
    assert found("社会保险")[:2] == [sample.service.id, sample.police_notice.id]


def test_a_best_bet_matches_the_query_however_it_is_typed(sample, admin):
    relevance.pin_item(admin, "county", query="  社會  保險 ", item_id=sample.service.id)
    db.session.commit()

    assert found("社会 保险")[0] == sample.service.id
    assert found("社会保险")[0] != sample.service.id  # another query


def test_only_live_items_of_the_hall_can_be_pinned(sample, admin):
    for item in (sample.outsider, sample.suspended, sample.withdrawn):
        with pytest.raises(RelevanceError):
            relevance.pin_item(admin, "county", query="社会保险", item_id=item.id)
    with pytest.raises(RelevanceError):
        relevance.pin_item(admin, "county", query="", item_id=sample.service.id)


def test_a_pin_outside_the_scope_or_filters_is_not_shown(app, sample, admin):
    relevance.pin_item(admin, "county", query="社会保险", item_id=sample.service.id)
    db.session.commit()

    assert found("社会保险", kind="content") == [sample.notice.id, sample.police_notice.id]
    # The hall loses the HR bureau's website: its pinned service goes with it.
    county = get_hall("county")
    county.accounts = [a for a in county.accounts if a.id != "hrss-web"]
    db.session.commit()
    assert found("社会保险") == [sample.police_notice.id]


def test_page_two_shows_no_pins_and_does_not_repeat_them(app, sample, admin):
    for number in range(12):
        make_item(f"社会保险宣传第{number}期", connector="hrss-web-feed")
    index(app)
    relevance.pin_item(admin, "county", query="社会保险", item_id=sample.service.id)
    db.session.commit()

    pages = [
        search_hall(get_hall("county"), SearchParams(q="社会保险", page=n), "zh", best_bets=True)
        for n in (1, 2)
    ]

    assert [row.id for row in pages[0].recommended] == [sample.service.id]
    assert pages[1].recommended == []
    shown = [row.id for page in pages for row in page.rows]
    assert sample.service.id not in shown and len(shown) == len(set(shown))


def test_an_edit_in_this_process_is_searched_with_at_once_despite_the_cache(app, sample, admin):
    app.config["SEARCH_RELEVANCE_CACHE_SECONDS"] = 3600
    assert found("社保")  # the hall's groups are now cached

    relevance.set_synonym_group_enabled(admin, "county", group_with("社保").id, enabled=False)
    db.session.commit()

    assert found("社保") == []
