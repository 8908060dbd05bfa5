"""The conformance kit over every registered connector, and the kit catching broken ones."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

import pytest
import requests

from connectors import available, get_connector_class
from connectors import conformance as kit
from connectors.base import (
    ConfigError,
    Connector,
    FetchContext,
    FetchError,
    FetchResult,
    Field,
    Record,
    SampleSource,
)
from connectors.http import GuardedSession


# Third-party connectors installed under the `hall.connectors` entry points are in
# available(), so they are checked here too without a line of their own.
@pytest.mark.parametrize("check", list(kit.CHECKS.values()), ids=list(kit.CHECKS))
@pytest.mark.parametrize("type_name", sorted(available()))
def test_every_registered_connector_conforms(type_name, check):
    check(get_connector_class(type_name))


def test_push_skips_the_network_checks_and_says_why():
    cls = get_connector_class("push")
    with pytest.raises(kit.CheckSkipped, match="no documents: nothing is fetched"):
        kit.check_errors(cls)


# ------------------------------------------------------------ the sample server


def get(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=5)


def test_the_server_answers_validators_304_and_posts_with_the_document():
    with kit.SampleServer({"/a.json": ("application/json", b'{"a": 1}')}) as server:
        first = get(server.base_url + "a.json?token=x")
        assert first.status_code == 200 and first.json() == {"a": 1}
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert get(server.base_url + "a.json", **{"If-None-Match": etag}).status_code == 304
        assert get(server.base_url + "a.json", **{"If-Modified-Since": modified}).status_code == 304
        posted = requests.post(server.base_url + "a.json", json={"offset": 0}, timeout=5)
        assert posted.content == b'{"a": 1}'
        server.republish()
        assert get(server.base_url + "a.json", **{"If-None-Match": etag}).status_code == 200
        assert get(server.base_url + "missing").status_code == 404
        assert server.connections >= 1 and len(server.requests) == 6


@pytest.mark.parametrize(
    ("mode", "status", "body"),
    [
        (kit.Mode.NOT_FOUND, 404, b"not found"),
        (kit.Mode.SERVER_ERROR, 500, b"internal error"),
        (kit.Mode.GARBAGE, 200, kit.GARBAGE),
        (kit.Mode.TRUNCATED, 200, b'{"items": '),
    ],
)
def test_the_server_fails_on_request(mode, status, body):
    with kit.SampleServer({"/a.json": ("application/json", b'{"items": [1, 2, 3]}')}) as server:
        server.mode = mode
        answer = get(server.base_url + "a.json")
        assert (answer.status_code, answer.content) == (status, body)


def test_the_loopback_guard_refuses_and_notes_anything_else():
    with kit.SampleServer() as server, kit.only_loopback(server.port) as guard:
        with pytest.raises(OSError):
            requests.get("http://127.0.0.1:9/", timeout=1)
        with pytest.raises(OSError):
            requests.get("http://conformance.invalid/", timeout=1)
        assert get(server.base_url).status_code == 404  # the sample server is reachable
    assert guard.refused == ["connect to 127.0.0.1:9", "name lookup of conformance.invalid:80"]


# --------------------------------------------------- the kit catches broken connectors

ITEMS = [
    {"id": "n-1", "title": "关于春节假期办事安排的通知"},
    {"id": "n-2", "title": "社保卡申领指南"},
]


class ListConnector(Connector):
    """A small, correct connector: the base the broken ones below bend."""

    type = "kit_list"
    label = "List (kit tests)"
    fields = (
        Field("url", "url", "List URL", required=True),
        Field("token", "str", "Token", sensitive=True),
    )

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        body = json.dumps({"items": ITEMS}, ensure_ascii=False).encode()
        return SampleSource(
            config={"url": base_url + "items.json", "token": "s3cret"},
            documents={"/items.json": ("application/json", body)},
            expected=len(ITEMS),
        )

    def fetch(self, context: FetchContext) -> FetchResult:
        response = context.http.get(self.config["url"], conditional=context.cursor)
        if response.not_modified:
            return FetchResult(records=[], cursor=context.cursor, not_modified=True)
        items = self.items(response.content, response.json)
        records = [Record(external_id=i["id"], title=i["title"]) for i in items]
        return FetchResult(records=records, cursor=response.validators())

    def items(self, content: bytes, parse: Any) -> list[dict[str, str]]:
        document = parse()
        if not isinstance(document, dict) or not isinstance(document.get("items"), list):
            raise FetchError(f"{self.config['url']}: no list of items")
        return document["items"]


def test_the_correct_connector_passes_everything():
    assert set(kit.run_all(ListConnector).values()) == {"passed"}


class AcceptsUnknownFields(ListConnector):
    @classmethod
    def validate_config(cls, raw):
        return super().validate_config({k: v for k, v in raw.items() if k in ("url", "token")})


class ShowsItsToken(ListConnector):
    @classmethod
    def masked(cls, config):
        return dict(config)


class RefusesWithoutNames(ListConnector):
    @classmethod
    def validate_config(cls, raw):
        if "url" not in raw:
            raise ConfigError({"config": "incomplete"})
        return super().validate_config(raw)


class NoSample(Connector):
    type = "kit_no_sample"
    label = "No sample"

    def fetch(self, context):
        return FetchResult(records=[])


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (AcceptsUnknownFields, "an unknown field ('conformance_kit_unknown_field') was accepted"),
        (ShowsItsToken, "masked shows a sensitive value: ['token']"),
        (RefusesWithoutNames, "a missing required field ('url') was refused, but not by name"),
        (NoSample, "NoSample provides no sample source"),
    ],
)
def test_config_check_names_the_fault(cls, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        kit.check_config_validation(cls)


class TrustsThePayload(ListConnector):
    def items(self, content, parse):
        return json.loads(content)["items"]  # a JSONDecodeError on garbage


class SwallowsErrors(ListConnector):
    def fetch(self, context):
        try:
            return super().fetch(context)
        except FetchError:
            return FetchResult(records=[], complete=True)  # "the source is empty now"


class RetriesForever(ListConnector):
    def fetch(self, context):
        for attempt in range(10):
            try:
                return super().fetch(context)
            except FetchError:
                if attempt == 9:
                    raise
        raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (TrustsThePayload, r"raised \w+Error for garbage bytes, not a FetchError"),
        (SwallowsErrors, "a stalled server should end the run with DeadlineExceededError"),
        (RetriesForever, "it retries a source that does not answer"),
    ],
)
def test_error_check_names_the_fault(cls, message, monkeypatch):
    monkeypatch.setattr(kit, "STALL_DEADLINE", 0.1)
    monkeypatch.setattr(kit, "STALL_RUN_LIMIT", 0.5)
    with pytest.raises(AssertionError, match=message):
        kit.check_errors(cls)


class Wanders(ListConnector):
    def fetch(self, context):
        try:
            context.http.get("http://conformance.invalid/beacon")
        except FetchError:
            pass
        return super().fetch(context)


class BypassesTheSession(ListConnector):
    def fetch(self, context):
        requests.get(self.config["url"], timeout=5)
        return super().fetch(context)


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (Wanders, "tried to reach beyond the sample server .*conformance.invalid/beacon"),
        (BypassesTheSession, r"requested \['/items.json'\] without context.http"),
    ],
)
def test_loopback_check_names_the_fault(cls, message):
    with pytest.raises(AssertionError, match=message):
        kit.check_loopback_only(cls)


class KeepsItsCursorInTheProcess(ListConnector):
    """Keeps the ETag in a class attribute instead of returning it as the cursor."""

    etag: ClassVar[dict[str, str]] = {}

    def fetch(self, context):
        remembered = FetchContext(http=context.http, cursor=dict(self.etag), logger=context.logger)
        result = super().fetch(remembered)
        if not result.not_modified:
            self.etag.clear()
            self.etag.update(result.cursor)
        result.cursor = {}
        return result


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (kit.check_unchanged_second_run, r"a second run .* changed the external_ids: lost"),
        (kit.check_cursor_resume, "a run after a run that failed half way answered not_modified"),
    ],
)
def test_state_kept_between_runs_is_caught(check, message):
    KeepsItsCursorInTheProcess.etag.clear()
    with pytest.raises(AssertionError, match=message):
        check(KeepsItsCursorInTheProcess)


def test_run_all_lists_every_failure(monkeypatch):
    monkeypatch.setattr(kit, "STALL_DEADLINE", 0.1)
    with pytest.raises(AssertionError) as caught:
        kit.run_all(ShowsItsToken)
    assert "fails 1 conformance check(s)" in str(caught.value)
    assert str(caught.value).splitlines()[1].startswith("config_validation: ")


def test_the_command_line_reports_each_type(capsys):
    assert kit.main(["push", "gopher"]) == 1
    out = capsys.readouterr().out
    assert "push: config_validation passed, unchanged_second_run skipped" in out
    assert "gopher: FAILED\nunknown connector type 'gopher'" in out


def test_a_kit_session_reaches_only_its_server():
    with kit.SampleServer({"/x": ("text/plain", b"x")}) as server:
        with kit.KitSession(server) as session:
            assert isinstance(session, GuardedSession)
            assert session.get(server.base_url + "x").content == b"x"
            with pytest.raises(FetchError, match="refused to connect to 127.0.0.1 .*port 9"):
                session.get("http://127.0.0.1:9/")
            assert session.foreign_urls == ["http://127.0.0.1:9/"]
            assert session.user_agent == kit.KIT_USER_AGENT
