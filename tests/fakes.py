"""A connector whose source is a Python list, for tests of the sync runner."""

from __future__ import annotations

from connectors.base import (
    Connector,
    FetchContext,
    FetchError,
    FetchResult,
    Field,
    Record,
    RecordError,
)

# The "source": tests set these before a run.
SOURCE: dict[str, object] = {
    "records": [],
    "errors": [],
    "fail": None,
    "complete": True,
    "during": None,  # a callable run inside fetch, to act while a run is under way
}


class StaticConnector(Connector):
    type = "static"
    label = "Static list (tests)"
    fields = (Field("name", "str", "Name"),)

    def fetch(self, context: FetchContext) -> FetchResult:
        if callable(SOURCE["during"]):
            SOURCE["during"]()
        if SOURCE["fail"]:
            raise FetchError(str(SOURCE["fail"]))
        return FetchResult(
            records=list(SOURCE["records"]),
            errors=list(SOURCE["errors"]),
            cursor={"seen": len(SOURCE["records"])},
            complete=bool(SOURCE["complete"]),
        )


def set_source(
    records: list[Record],
    *,
    errors: list[RecordError] = (),
    fail: str | None = None,
    complete: bool = True,
) -> None:
    SOURCE.update(
        records=list(records), errors=list(errors), fail=fail, complete=complete, during=None
    )
