import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from hall.catalog.models import Item
from hall.extensions import db
from hall.search import SearchQuery
from hall.search.index import delete_item, open_index
from hall.search.indexer import apply_changes
from hall.search.schema import FACET_FIELDS
from tests.builders import make_account, make_connector, make_department, make_item

FUZZ = [
    '"',
    '""""',
    "AND OR NOT",
    "*",
    "?",
    "title:x",
    "((((",
    "))",
    "社保" * 2500,
    "a" * 5000,
    "😀🏛️",
    "\x00",
    "\x00社保\x00",
    "的 了 吗",
    "the of a",
    "shebao*",
    "~2 ^3 +- !",
    '"未闭合的引号',
    "“社会保障卡”",
    "「」",
    "<script>alert(1)</script>",
    "%s %d {0}",
    "\\",
    "\u202e\u200b",
]


@pytest.fixture
def world(app):
    """Three departments, four accounts, a dozen items."""
    make_department("hrss", sector="social_security")
    make_department("amr", sector="market_regulation")
    make_department("psb", sector="public_security")
    for connector, account, department in [
        ("hrss-feed", "hrss-web", "hrss"),
        ("hrss-wx", "hrss-wechat", "hrss"),
        ("amr-feed", "amr-web", "amr"),
        ("psb-feed", "psb-web", "psb"),
    ]:
        make_account(account, department=department)
        make_connector(connector, account=account)
    day = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        ("社会保障卡补领指南", "携带居民身份证到窗口补领社会保障卡", "hrss-feed", "service"),
        ("社保卡丢了如何挂失", "拨打热线挂失，再到窗口补办", "hrss-wx", "content"),
        ("社会保险缴费通知", "请按时缴纳社会保险费", "hrss-feed", "content"),
        ("营业执照办理", "企业设立登记的申请材料", "amr-feed", "service"),
        ("食品经营许可证办理", "食品经营许可的条件", "amr-feed", "service"),
        ("居民身份证补领", "到派出所补领居民身份证", "psb-feed", "service"),
        ("机动车驾驶证换证", "驾驶证有效期满前九十日内换证", "psb-feed", "service"),
        (
            "Business licenses for restaurants",
            "Apply for a business license",
            "amr-feed",
            "content",
        ),
        ("办事须知", "社会保障卡的申请与其他证件的补领流程不同", "hrss-feed", "content"),
        ("基本医疗保险参保登记", "城乡居民参加基本医疗保险", "hrss-wx", "service"),
    ]
    items = {}
    for n, (title, body, connector, kind) in enumerate(rows):
        items[title] = make_item(
            title, body, connector=connector, kind=kind, published_at=day + timedelta(days=n)
        )
    return items


def ids(world, *titles):
    return [world[t].id for t in titles]


def test_words_find_titles_and_bodies(world, search):
    answer = search("营业执照")
    assert answer.item_ids == ids(world, "营业执照办理")
    assert "营业执照" in answer.terms


def test_traditional_query_finds_simplified_text(world, search):
    assert search("社會保險").item_ids[0] == world["社会保险缴费通知"].id


def test_quoted_phrase_needs_adjacent_words(world, search):
    answer = search('"社会保障卡 补领"')
    assert answer.item_ids == ids(world, "社会保障卡补领指南")
    # Unquoted, the words may be apart.
    assert world["办事须知"].id in search("社会保障卡 补领").item_ids


def test_pinyin_and_initials_find_chinese_titles(world, search):
    assert ids(world, "社保卡丢了如何挂失")[0] in search("shebao").item_ids
    assert ids(world, "社保卡丢了如何挂失")[0] in search("sb").item_ids
    assert ids(world, "社保卡丢了如何挂失")[0] in search("sheb").item_ids


def test_english_words_are_stemmed(world, search):
    assert search("licenses").item_ids == ids(world, "Business licenses for restaurants")
    assert search("LICENSE restaurant").total == 1


def test_synonyms_expand_the_query(world, search):
    assert search("驾照").item_ids == ids(world, "机动车驾驶证换证")
    assert search("医保").item_ids == ids(world, "基本医疗保险参保登记")
    answer = search("社保卡")
    assert set(answer.item_ids) >= set(ids(world, "社保卡丢了如何挂失", "社会保障卡补领指南"))
    assert "社会保障卡" in answer.terms


def test_a_colloquial_question_falls_back_to_most_words(world, search):
    answer = search("社保卡丢了怎么办")
    assert answer.item_ids[0] == world["社保卡丢了如何挂失"].id


def test_title_matches_rank_above_body_matches(world, search):
    ranked = search("补领").item_ids
    in_title = ids(world, "居民身份证补领", "社会保障卡补领指南")
    assert set(ranked[:2]) == set(in_title)
    assert ranked.index(world["办事须知"].id) > 1


def test_empty_query_lists_everything_newest_first(world, search):
    answer = search("", per_page=50)
    assert answer.total == len(world)
    assert answer.item_ids == [item.id for item in reversed(world.values())]


def test_filters_restrict_results(world, search):
    assert search("补领", sector="public_security").item_ids == ids(world, "居民身份证补领")
    assert search("", kind="content", department="amr").item_ids == ids(
        world, "Business licenses for restaurants"
    )
    assert search("", account="hrss-wechat").total == 2
    assert search("补领", sector="no-such-sector").total == 0


def test_hall_scope_limits_results_and_facets(world, search):
    answer = search("", account_ids=frozenset({"amr-web", "psb-web"}))
    assert answer.total == 5
    assert set(answer.facets["account"]) == {"amr-web", "psb-web"}
    assert search("社保卡", account_ids=frozenset({"amr-web"})).total == 0
    assert search("", account_ids=frozenset()).total == 0


def test_paging_walks_every_result_once(world, search):
    seen = []
    for page in (1, 2, 3, 4):
        answer = search("", page=page, per_page=3)
        assert answer.total == 10
        seen += answer.item_ids
    assert sorted(seen) == sorted(item.id for item in world.values())
    assert search("", page=5, per_page=3).item_ids == []


def test_page_size_is_clamped(world, search, app):
    answer = search("", per_page=10_000)
    assert answer.per_page == app.config["SEARCH_MAX_PER_PAGE"]
    assert search("", page=-3, per_page=0).page == 1


@pytest.mark.parametrize("text", FUZZ)
def test_no_user_string_raises(world, search, text):
    answer = search(text, sector="social_security", page=2)
    assert answer.total >= 0
    assert search(text).total >= 0


def test_no_index_yet_answers_nothing(app, service):
    answer = service.search(SearchQuery(text="社保"))
    assert (answer.total, answer.item_ids, answer.facets) == (0, [], {})


def test_new_items_show_after_invalidate(world, search, service, app):
    assert search("公积金").total == 0
    fund = make_item("住房公积金提取")
    db.session.commit()
    apply_changes(app.config["INDEX_PATH"])
    service.invalidate()
    assert service.search(SearchQuery(text="公积金")).item_ids == [fund.id]


def test_the_index_is_reopened_in_the_background_when_it_moves(world, search, service, app):
    app.config["SEARCH_REFRESH_SECONDS"] = 0
    assert search("公积金").total == 0
    make_item("住房公积金提取")
    db.session.commit()
    apply_changes(app.config["INDEX_PATH"])
    deadline = time.monotonic() + 10
    while service.search(SearchQuery(text="公积金")).total == 0:
        assert time.monotonic() < deadline, "the new generation never showed"
        time.sleep(0.02)


def test_cached_answers_cannot_be_changed_by_callers(world, search, service):
    answer = search("补领")
    answer.item_ids.clear()
    answer.facets["kind"]["x"] = 1
    again = service.search(SearchQuery(text="补领"))
    assert again.item_ids and "x" not in again.facets["kind"]


WORDS = ["公园", "图书馆", "体育馆", "水费", "电费", "燃气", "供暖", "路灯"]
ACCOUNTS = {
    "a1": ("d1", "social_security"),
    "a2": ("d1", "social_security"),
    "a3": ("d2", "health"),
    "a4": ("d3", "health"),
    "a5": ("d4", "transport"),
}


@pytest.fixture
def random_world(app):
    """Sixty items with random words, accounts and kinds, and what each holds."""
    for account, (department, sector) in ACCOUNTS.items():
        make_department(department, sector=sector)
        make_account(account, department=department)
        make_connector(f"{account}-feed", account=account)
    rng = random.Random(7)
    facts = []
    for _ in range(60):
        words = rng.sample(WORDS, 2)
        account = rng.choice(list(ACCOUNTS))
        kind = rng.choice(["content", "service"])
        make_item("、".join(words), connector=f"{account}-feed", kind=kind)
        department, sector = ACCOUNTS[account]
        facts.append(
            dict(words=words, account=account, department=department, sector=sector, kind=kind)
        )
    return facts


@pytest.mark.parametrize(
    "text, scope, filters",
    [
        ("", None, {}),
        ("公园", None, {}),
        ("公园", None, {"sector": "health"}),
        ("水费", frozenset({"a1", "a3", "a5"}), {"kind": "service"}),
        ("图书馆", None, {"sector": "social_security", "account": "a2", "kind": "content"}),
        ("", frozenset({"a2", "a4"}), {"department": "d3"}),
    ],
)
def test_facet_counts_match_a_brute_force_count(random_world, search, text, scope, filters):
    answer = search(text, account_ids=scope, per_page=50, **filters)

    def keep(fact, skip=None):
        return (
            (not text or text in fact["words"])
            and (scope is None or fact["account"] in scope)
            and all(fact[name] == value for name, value in filters.items() if name != skip)
        )

    assert answer.total == sum(keep(fact) for fact in random_world)
    for name in FACET_FIELDS:
        expected = Counter(fact[name] for fact in random_world if keep(fact, skip=name))
        assert answer.facets[name] == dict(expected)


def test_facet_counts_stay_right_with_deleted_documents_in_the_index(
    random_world, search, service, index_path
):
    search()
    # Delete without merging, so the reader keeps the deleted documents (an account's
    # whole set among them) the way a busy index does between merges.
    items = db.session.scalars(db.select(Item).order_by(Item.id)).all()
    with open_index(index_path).writer() as writer:
        writer.merge = False
        for item, fact in zip(items, random_world, strict=True):
            if fact["account"] == "a5" or item.id % 7 == 0:
                delete_item(writer, item.id)
                fact["gone"] = True
    service.reload()
    assert service._state.reader.has_deletions()
    kept = [fact for fact in random_world if not fact.get("gone")]

    for text in ("", "公园"):
        answer = service.search(SearchQuery(text=text, sector="health"))
        matching = [f for f in kept if not text or text in f["words"]]
        assert answer.total == sum(f["sector"] == "health" for f in matching)
        assert answer.facets["sector"] == dict(Counter(f["sector"] for f in matching))
        health = [f for f in matching if f["sector"] == "health"]
        for name in ("department", "account", "kind"):
            assert answer.facets[name] == dict(Counter(f[name] for f in health))


def test_the_answer_cache_keeps_synonym_lists_apart(world, search, service):
    search("")
    seed = service.search(SearchQuery(text="驾照"))
    none = service.search(SearchQuery(text="驾照", synonyms=()))

    assert seed.item_ids == ids(world, "机动车驾驶证换证")
    assert none.item_ids == []
