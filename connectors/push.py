"""The push connector: the department sends its items to the API; there is nothing to pull.

Every account that pushes has one instance of it, so pushed items belong to a connector
like all others, and the scheduler, run history and conformance kit treat it the same
way. Its instances are disabled; a run, if one is asked for, reports "not modified".
"""

from __future__ import annotations

from connectors.base import Connector, FetchContext, FetchResult, SampleSource


class PushConnector(Connector):
    type = "push"
    label = "Pushed by the department (API)"
    description = (
        "Items arrive through POST /api/v1/accounts/{account_id}/items with the account's "
        "API token; nothing is fetched."
    )
    fields = ()

    def fetch(self, context: FetchContext) -> FetchResult:
        """Return no records and "not modified": pushed items never come from a fetch."""
        return FetchResult(records=[], cursor=dict(context.cursor), not_modified=True)

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        """Return an empty source: a run reads nothing and gives no records."""
        return SampleSource(config={}, documents={}, expected=0)
