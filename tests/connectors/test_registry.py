import pytest

from connectors import available, get_connector_class
from connectors.base import ConfigError, Connector, UnknownConnectorError
from connectors.feed import FeedConnector
from connectors.jsonld import JsonLdConnector
from connectors.open311 import Open311Connector

SAMPLE_VALUES = {
    "url": "https://example.gov.cn/feed.xml",
    "list": ["https://example.gov.cn/a"],
    "dict": {"external_id": "id", "title": "title"},
    "str": "items",
}


@pytest.mark.parametrize(
    ("type_name", "cls"),
    [("feed", FeedConnector), ("open311", Open311Connector), ("jsonld", JsonLdConnector)],
)
def test_built_ins_are_found_through_the_registry(type_name, cls):
    assert get_connector_class(type_name) is cls
    assert cls.type == type_name


def test_unknown_type_names_the_registered_ones():
    with pytest.raises(UnknownConnectorError) as caught:
        get_connector_class("gopher")
    assert "registered: " + ", ".join(sorted(available())) in str(caught.value)


@pytest.mark.parametrize("type_name", sorted(available()))
def test_every_registered_connector_keeps_the_contract(type_name):
    cls = get_connector_class(type_name)
    names = [f.name for f in cls.fields]
    assert cls.label and len(names) == len(set(names))
    assert cls.fetch is not Connector.fetch
    required = {f.name: SAMPLE_VALUES[f.type] for f in cls.fields if f.required}
    config = cls.validate_config(required)
    assert set(config) == set(names)  # every field present, defaults filled in


@pytest.mark.parametrize(
    ("cls", "raw", "expected"),
    [
        (FeedConnector, {}, {"url": "is required"}),
        (FeedConnector, {"url": "  "}, {"url": "is required"}),
        (FeedConnector, {"url": "file:///etc/passwd"}, {"url": "absolute http"}),
        (FeedConnector, {"url": "https://a.gov/f", "max_items": 0}, {"max_items": "at least 1"}),
        (
            FeedConnector,
            {"url": "https://a.gov/f", "content_type": "blog"},
            {"content_type": "one of"},
        ),
        (
            FeedConnector,
            {"url": "https://a.gov/f", "language": "Chinese"},
            {"language": "language tag"},
        ),
        (FeedConnector, {"url": "https://a.gov/f", "colour": "red"}, {"colour": "unknown field"}),
        (
            Open311Connector,
            {"url": "https://a.gov/s.json", "fetch_definitions": "maybe"},
            {"fetch_definitions": "true or false"},
        ),
        (
            Open311Connector,
            {"url": "https://a.gov/s.json", "max_services": "many"},
            {"max_services": "whole number"},
        ),
        (JsonLdConnector, {"urls": "https://a.gov/x, gopher://b"}, {"urls": "not an absolute"}),
        (
            JsonLdConnector,
            {"url": "https://a.gov/x"},
            {"url": "unknown field", "urls": "is required"},
        ),
    ],
)
def test_config_errors_name_each_bad_field(cls, raw, expected):
    with pytest.raises(ConfigError) as caught:
        cls.validate_config(raw)
    assert set(caught.value.errors) == set(expected)
    for name, message in expected.items():
        assert message in caught.value.errors[name]


def test_good_config_is_converted_and_completed():
    config = Open311Connector.validate_config(
        {
            "url": "https://a.gov/open311/v2/services.xml",
            "fetch_definitions": "no",
            "max_services": "20",
        }
    )
    assert config == {
        "url": "https://a.gov/open311/v2/services.xml",
        "jurisdiction_id": None,
        "language": None,
        "fetch_definitions": False,
        "max_services": 20,
    }


@pytest.fixture
def plugin_entry_points(monkeypatch):
    """Pretend an installed package declares connectors under `hall.connectors`."""
    from importlib.metadata import EntryPoint

    import connectors

    declared = [
        EntryPoint("static", "tests.fakes:StaticConnector", connectors.ENTRY_POINT_GROUP),
        EntryPoint("feed", "tests.fakes:StaticConnector", connectors.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(
        connectors, "entry_points", lambda group: [e for e in declared if e.group == group]
    )
    connectors.available.cache_clear()
    yield
    connectors.available.cache_clear()


def test_third_party_connectors_come_through_the_same_lookup(plugin_entry_points):
    from tests.fakes import StaticConnector

    assert get_connector_class("static") is StaticConnector
    assert "static" in available()


def test_a_plugin_cannot_shadow_a_built_in(plugin_entry_points):
    assert get_connector_class("feed") is FeedConnector
