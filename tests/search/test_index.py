from datetime import UTC, datetime

from whoosh import index as whoosh_index

from hall.search.index import (
    CURRENT_FILE,
    Checkpoint,
    current_generation_dir,
    document_for,
    new_generation_dir,
    open_index,
    open_or_create,
    publish_generation,
    read_checkpoint,
    remove_stale_generations,
)
from hall.search.schema import build_schema
from tests.builders import make_item


def test_no_index_folder_means_no_index(tmp_path):
    assert current_generation_dir(tmp_path / "index") is None
    assert open_index(tmp_path / "index") is None


def test_open_or_create_makes_a_live_generation_with_an_empty_checkpoint(tmp_path):
    ix = open_or_create(tmp_path / "index")
    assert (tmp_path / "index" / CURRENT_FILE).read_text().strip() == "gen-00000001"
    with ix.searcher() as searcher:
        assert read_checkpoint(searcher) == Checkpoint()
    assert open_or_create(tmp_path / "index").storage.folder == ix.storage.folder


def test_publishing_swaps_the_live_generation_and_cleanup_spares_it(tmp_path):
    root = tmp_path / "index"
    open_or_create(root)
    half_built = new_generation_dir(root)
    newer = new_generation_dir(root)
    whoosh_index.create_in(str(newer), build_schema())
    publish_generation(root, newer)

    assert current_generation_dir(root) == newer
    assert set(remove_stale_generations(root)) == {"gen-00000001", half_built.name}
    assert sorted(p.name for p in root.iterdir()) == [CURRENT_FILE, newer.name]


def test_a_document_carries_filters_tokens_and_publication_time(app):
    item = make_item("社保卡补办", "携带身份证", published_at=datetime(2024, 5, 1, tzinfo=UTC))
    document = document_for(item)
    assert document["id"] == str(item.id)
    assert document["sector"] == "social_security"
    assert document["department"] == "hrss"
    assert document["account"] == "hrss-web"
    assert document["title"] == item.title_tokens
    assert "shebao" in document["pinyin"]
    assert document["published"] == int(datetime(2024, 5, 1, tzinfo=UTC).timestamp())
    assert "language" not in document  # empty values are left out


def test_an_item_without_dates_sorts_as_published_zero(app):
    assert document_for(make_item("无日期"))["published"] == 0
