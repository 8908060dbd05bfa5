"""The bulk posting reader and its fallback through Whoosh's public matcher API agree."""

from hall.search import postings
from hall.search.index import open_index
from tests.search.test_query import world  # noqa: F401 - the shared fixture

QUERIES = ["社会保障卡", '"社会保障卡 补领"', "licenses", "shebao", "补领", "社保卡丢了怎么办", ""]


def answers(search):
    return [(a.total, a.item_ids, a.facets) for a in map(search, QUERIES)]


def test_fallback_reader_gives_the_same_answers(world, search, service, monkeypatch):  # noqa: F811
    fast = answers(search)
    assert fast[0][0] > 0
    monkeypatch.setattr(postings, "_BLOCK_API", ("_no_such_block_method",))
    service.reload()
    assert answers(search) == fast


def test_the_fast_path_finds_the_block_api_it_needs(world, search, index_path):  # noqa: F811
    # If a Whoosh upgrade removes these internals the fallback keeps answers right, but
    # slow: this test says so loudly instead.
    search("社会保障卡")
    with open_index(index_path).reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers() if ("title", "补领") in leaf]
        assert leaves
        assert all(postings._leaf_matcher(leaf.postings("title", "补领")) for leaf in leaves)
