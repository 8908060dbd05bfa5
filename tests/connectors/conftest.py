"""Fixtures of the connector tests: loopback servers, a guarded session, contexts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors.base import FetchContext
from connectors.http import GuardedSession

from .servers import LoopbackServer


@pytest.fixture
def make_server() -> Iterator[Callable[..., LoopbackServer]]:
    servers: list[LoopbackServer] = []

    def make(**options: Any) -> LoopbackServer:
        servers.append(LoopbackServer(**options))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., LoopbackServer]) -> LoopbackServer:
    return make_server()


@pytest.fixture
def http() -> Iterator[GuardedSession]:
    """A guarded session that may reach the loopback test servers, with short timeouts."""
    with GuardedSession(
        allowlist=["127.0.0.1"], connect_timeout=2, read_timeout=2, total_deadline=5
    ) as session:
        yield session


@pytest.fixture
def make_context(http: GuardedSession) -> Callable[..., FetchContext]:
    def make(cursor: dict[str, Any] | None = None) -> FetchContext:
        return FetchContext(http=http, cursor=cursor or {}, logger=logging.getLogger("test"))

    return make
