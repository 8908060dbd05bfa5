import textwrap

import pytest
import yaml

from hall.directory.models import Account, Department
from hall.extensions import db
from hall.halls.export import export_hall_yaml
from hall.halls.models import Hall
from hall.importer import ImportFileError, import_text
from hall.sync.models import ConnectorInstance
from tests.builders import CREDIT_CODE

GOOD = textwrap.dedent(
    """
    departments:
      - id: hrss
        name: 某某县人力资源和社会保障局
        name_en: County Human Resources and Social Security Bureau
        sector: social_security
        aliases: [人社局]
      - id: amr
        name: 某某县市场监督管理局
        sector: market_regulation
        aliases: [市场监管局]
        region: 339901
    accounts:
      - id: hrss-web
        department: hrss
        platform: website
        name: 县人社局门户网站
        url: https://hrss.example.gov.cn/
        connectors:
          - id: hrss-notices
            type: feed
            config: {url: "https://hrss.example.gov.cn/notices.xml"}
      - id: amr-wechat
        department: amr
        platform: wechat
        name: 县市场监管局微信公众号
    halls:
      - id: county
        title: 某某县一站式政务服务大厅
        accounts: [hrss-web]
        departments: [amr]
    """
)


def test_import_creates_everything_with_approved_accounts(app):
    summary = import_text(GOOD)
    assert summary.created == {"departments": 2, "accounts": 2, "connectors": 1, "halls": 1}
    assert db.session.get(Department, "amr").region_code == "339901"
    assert db.session.get(Department, "hrss").aliases == ["人社局"]
    assert db.session.get(Account, "hrss-web").filing_status == "approved"
    assert db.session.get(ConnectorInstance, "hrss-notices").config["url"].endswith("notices.xml")
    assert [a.id for a in db.session.get(Hall, "county").accounts] == ["amr-wechat", "hrss-web"]


def test_importing_twice_changes_nothing(app):
    import_text(GOOD)
    again = import_text(GOOD)
    assert not again.changed


def test_changed_entry_is_updated(app):
    import_text(GOOD)
    summary = import_text(GOOD.replace("县人社局门户网站", "县人社局网站"))
    assert summary.updated == {"accounts": 1}
    assert db.session.get(Account, "hrss-web").name == "县人社局网站"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("platform: website", "platfrom: website"),
            "accounts[0] (id hrss-web): key 'platfrom': unknown key",
        ),
        (
            ("sector: social_security", "sector: welfare"),
            "departments[0] (id hrss): key 'sector': Value error, must be one of",
        ),
        (
            ("department: hrss", "department: nobody"),
            "accounts[0] (id hrss-web): key 'department': unknown department 'nobody'",
        ),
        (
            ("type: feed", "type: carrier-pigeon"),
            "key 'type': unknown connector type 'carrier-pigeon'",
        ),
        (
            ('{url: "https://hrss.example.gov.cn/notices.xml"}', '{url: "ftp://x/y"}'),
            "key 'config.url': must be an absolute http",
        ),
        (
            ("accounts: [hrss-web]", "accounts: [hrss-web, ghost]"),
            "halls[0] (id county): key 'accounts': unknown account 'ghost'",
        ),
        (
            ("- id: amr\n", "- id: Not A Slug\n"),
            "departments[1] (id Not A Slug): key 'id': String should match pattern",
        ),
    ],
)
def test_bad_file_names_entry_and_key_and_imports_nothing(app, change, expected):
    with pytest.raises(ImportFileError) as caught:
        import_text(GOOD.replace(*change), source="county.yaml")
    message = str(caught.value)
    assert message.startswith("county.yaml: ")
    assert expected in message
    assert db.session.query(Department).count() == 0
    assert db.session.query(Account).count() == 0


def test_not_yaml_is_reported_with_its_line(app):
    with pytest.raises(ImportFileError, match="line 2"):
        import_text("departments:\n\t- id: hrss\n", source="bad.yaml")


def test_cli_import_reports_problems_and_exit_code(app, runner, tmp_path):
    path = tmp_path / "county.yaml"
    path.write_text(GOOD.replace("platform: website", "platform: fax"), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 2
    assert "nothing was imported" in result.output
    assert "key 'platform'" in result.output
    path.write_text(GOOD, encoding="utf-8")
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    again = runner.invoke(args=["import", str(path)])
    assert "nothing changed" in again.output


def test_connector_schedules_are_imported_and_checked(app):
    scheduled = GOOD.replace(
        'config: {url: "https://hrss.example.gov.cn/notices.xml"}',
        'config: {url: "https://hrss.example.gov.cn/notices.xml"}\n        interval: 30m',
    )
    import_text(scheduled)
    assert db.session.get(ConnectorInstance, "hrss-notices").interval_seconds == 1800
    import_text(scheduled.replace("interval: 30m", 'cron: "0 7 * * 1-5"'))
    instance = db.session.get(ConnectorInstance, "hrss-notices")
    assert (instance.interval_seconds, instance.cron) == (None, "0 7 * * 1-5")
    for bad, message in [("interval: 5s", "at least a minute"), ('cron: "every day"', "crontab")]:
        with pytest.raises(ImportFileError, match=message):
            import_text(scheduled.replace("interval: 30m", bad))


FILED = GOOD.replace(
    "    url: https://hrss.example.gov.cn/\n",
    "    url: https://hrss.example.gov.cn/\n"
    "    host_unit: 某某县人力资源和社会保障局\n"
    f"    host_unit_credit_code: '{CREDIT_CODE.lower()}'\n"
    "    supervising_unit: 某某县人民政府办公室\n"
    "    outsourced_operator: 某某传媒有限公司\n",
)
assert FILED != GOOD


def test_filing_data_is_imported_checked_and_exported_back(app):
    import_text(FILED)

    account = db.session.get(Account, "hrss-web")
    assert account.host_unit == "某某县人力资源和社会保障局"
    assert account.host_unit_credit_code == CREDIT_CODE  # normalised to capitals
    assert account.supervising_unit == "某某县人民政府办公室"
    assert account.outsourced_operator == "某某传媒有限公司"
    exported = yaml.safe_load(export_hall_yaml("county"))
    entry = next(a for a in exported["accounts"] if a["id"] == "hrss-web")
    assert entry["host_unit_credit_code"] == CREDIT_CODE
    assert "host_unit" not in next(a for a in exported["accounts"] if a["id"] == "amr-wechat")
    assert not import_text(export_hall_yaml("county")).changed


def test_a_file_without_filing_data_keeps_what_was_filed(app):
    import_text(FILED)

    summary = import_text(GOOD)

    assert not summary.changed
    assert db.session.get(Account, "hrss-web").host_unit_credit_code == CREDIT_CODE


def test_a_wrong_credit_code_names_the_entry_and_the_key(app):
    wrong = FILED.replace(CREDIT_CODE.lower(), CREDIT_CODE[:-1].lower() + "z")

    with pytest.raises(ImportFileError) as caught:
        import_text(wrong, source="county.yaml")

    assert (
        "accounts[0] (id hrss-web): key 'host_unit_credit_code': Value error, "
        "A unified social credit code uses digits" in str(caught.value)
    )
    assert db.session.query(Account).count() == 0
