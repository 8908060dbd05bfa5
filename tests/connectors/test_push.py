"""The push connector: registered like every built-in, with nothing to pull."""

from __future__ import annotations

import logging

from connectors import get_connector_class
from connectors.base import FetchContext
from connectors.http import GuardedSession
from connectors.push import PushConnector


def test_push_is_a_built_in_with_no_fields():
    assert get_connector_class("push") is PushConnector
    assert PushConnector.fields == ()
    assert PushConnector.validate_config({}) == {}


def test_a_fetch_returns_nothing_and_not_modified():
    context = FetchContext(http=GuardedSession(), cursor={"k": 1}, logger=logging.getLogger())

    result = PushConnector().fetch(context)

    assert (result.records, result.not_modified, result.cursor) == ([], True, {"k": 1})


def test_its_sample_source_is_empty():
    sample = PushConnector.sample_source("http://127.0.0.1:9")

    assert (sample.config, sample.documents, sample.expected) == ({}, {}, 0)
