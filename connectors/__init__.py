"""Connector registry: built-ins and third-party plugins go through one lookup.

Third-party connectors register under the entry-point group ``hall.connectors``::

    [options.entry_points]
    hall.connectors =
        my_source = my_package.my_module:MySourceConnector
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.metadata import entry_points

from connectors.base import Connector, UnknownConnectorError

ENTRY_POINT_GROUP = "hall.connectors"

# type -> "module:Class"; imported lazily so an unused connector costs nothing.
BUILTINS = {
    "feed": "connectors.feed:FeedConnector",
    "open311": "connectors.open311:Open311Connector",
    "jsonld": "connectors.jsonld:JsonLdConnector",
    "csv": "connectors.csv:CsvConnector",
    "json_api": "connectors.json_api:JsonApiConnector",
    "sitemap": "connectors.sitemap:SitemapConnector",
    "activitypub": "connectors.activitypub:ActivityPubConnector",
    "wechat": "connectors.wechat:WeChatConnector",
    "push": "connectors.push:PushConnector",
}


def _load(target: str) -> type[Connector]:
    module_name, _, attr = target.partition(":")
    return getattr(import_module(module_name), attr)


@cache
def available() -> dict[str, str]:
    """Return every registered connector type and where it comes from."""
    found = dict(BUILTINS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        # A plugin may not shadow a built-in: import files must mean the same everywhere.
        found.setdefault(ep.name, ep.value)
    return found


def get_connector_class(type_name: str) -> type[Connector]:
    """Return the connector class registered as `type_name`."""
    target = available().get(type_name)
    if target is None:
        raise UnknownConnectorError(
            f"unknown connector type {type_name!r}; registered: {', '.join(sorted(available()))}"
        )
    cls = _load(target)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise UnknownConnectorError(f"{target} is not a Connector subclass")
    return cls
