"""Builders for push-ingest tests: an account with an API token."""

from __future__ import annotations

from typing import Any

from hall.extensions import db
from hall.ingest.services import create_token
from tests.builders import make_account


def make_token(account: str = "hrss-web", name: str = "cms", **account_values: Any) -> str:
    """Create the account if needed and a token for it; commit; return the plaintext."""
    make_account(account, **account_values)
    _, plaintext = create_token(account, name)
    db.session.commit()
    return plaintext


def notice(external_id: str = "n-1", **values: Any) -> dict[str, Any]:
    """Return a pushed content item as a client sends it."""
    return {
        "external_id": external_id,
        "title": values.pop("title", "关于调整社会保险缴费基数的通知"),
        "body_html": values.pop("body_html", "<p>自2024年7月1日起调整缴费基数。</p>"),
        "url": values.pop("url", f"https://hrss.example.gov.cn/notices/{external_id}"),
        "published_at": values.pop("published_at", "2024-05-01T10:00:00+08:00"),
        **values,
    }
