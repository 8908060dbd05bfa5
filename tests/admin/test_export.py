"""A hall's configuration as YAML: secrets left out, and importing it back changes nothing."""

from __future__ import annotations

import pytest
import yaml

from connectors import get_connector_class
from hall.audit.services import entries_for
from hall.extensions import db
from hall.halls.curation import import_configuration
from hall.halls.export import export_hall_yaml
from hall.importer import import_text
from hall.sync.models import ConnectorInstance
from hall.users.services import PermissionDeniedError, get_user
from tests.builders import make_connector

SECRET = "s3cr3t-app-secret-value"


def _with_secret_connector():
    """Give hrss-web a WeChat connector with a secret; configs are stored validated."""
    for instance in db.session.scalars(db.select(ConnectorInstance)):
        instance.config = get_connector_class(instance.type).validate_config(instance.config)
    config = {"app_id": "wx1234567890abcdef", "app_secret": SECRET}
    make_connector(
        "hrss-wechat",
        account="hrss-web",
        type="wechat",
        config=get_connector_class("wechat").validate_config(config),
        interval_seconds=3600,
    )
    db.session.commit()


def test_the_export_names_the_hall_its_accounts_connectors_and_departments(world):
    _with_secret_connector()

    document = yaml.safe_load(export_hall_yaml("county"))

    assert [hall["id"] for hall in document["halls"]] == ["county"]
    assert document["halls"][0]["accounts"] == ["hrss-web"]
    assert [a["id"] for a in document["accounts"]] == ["hrss-web"]
    connectors = {c["id"] for c in document["accounts"][0]["connectors"]}
    assert connectors == {"hrss-feed", "hrss-wechat"}
    assert [d["id"] for d in document["departments"]] == ["hrss"]


def test_the_export_holds_no_secret(world, admin):
    _with_secret_connector()
    client, _ = admin

    text = client.get("/admin/halls/county/export.yaml").get_data(as_text=True)

    assert SECRET not in text and "app_secret" not in text
    assert "wx1234567890abcdef" in text


def test_importing_the_export_changes_nothing_and_keeps_the_secret(world):
    _with_secret_connector()
    text = export_hall_yaml("county")

    summary = import_text(text, source="export")

    assert not summary.changed, (summary.created, summary.updated)
    assert db.session.get(ConnectorInstance, "hrss-wechat").config["app_secret"] == SECRET
    assert export_hall_yaml("county") == text


def test_an_import_through_the_admin_page_is_audited_and_errors_name_entry_and_key(world, admin):
    client, token = admin
    bad = "accounts:\n  - id: x-web\n    department: nowhere\n    platform: website\n    name: X\n"

    refused = client.post("/admin/import", data={"csrf_token": token, "text": bad})

    assert refused.status_code == 422
    assert "accounts[0] (id x-web): key &#39;department&#39;" in refused.get_data(as_text=True)

    good = "halls:\n  - id: city\n    title: 市级大厅\n    accounts: [tax-web]\n"
    assert client.post("/admin/import", data={"csrf_token": token, "text": good}).status_code == 302
    entries = entries_for(get_user("root"))
    assert entries[-1].action == "config.import" and entries[-1].after["created"] == {"halls": 1}


def test_import_configuration_refuses_an_operator(world):
    with pytest.raises(PermissionDeniedError):
        import_configuration(get_user("op-hrss"), "halls: []", "x")
