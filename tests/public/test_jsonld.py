"""schema.org JSON-LD on service and department pages, as a search engine reads it."""

from __future__ import annotations

import json
import re

import pytest

from hall.extensions import db
from hall.halls.models import Hall
from tests.builders import make_item
from tests.web_fixtures import GUIDE, build_sample_hall, index

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def sample(app):
    sample = build_sample_hall()
    index(app)
    return sample


def json_ld(client, path: str) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200
    return [json.loads(found) for found in SCRIPT.findall(response.get_data(as_text=True))]


def test_service_page_describes_a_government_service(client, sample):
    [data] = json_ld(client, f"/items/{sample.service.id}")

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "GovernmentService"
    assert data["name"] == "失业保险金申领"
    assert data["description"] == "参加失业保险的失业人员可以申领失业保险金。"
    assert data["serviceType"] == "行政给付"
    assert data["url"] == f"http://localhost/items/{sample.service.id}"
    assert data["provider"] == {
        "@type": "GovernmentOrganization",
        "name": "市人力资源和社会保障局",
        "url": "http://localhost/departments/hrss",
    }
    channels = data["availableChannel"]
    assert {"@type": "ServiceChannel", "serviceUrl": GUIDE["online_url"]} in channels
    phones = [c["servicePhone"]["telephone"] for c in channels if "servicePhone" in c]
    assert phones == ["12333"]
    [place] = [c["servicePlace"] for c in channels if "servicePlace" in c]
    assert place["@type"] == "Place"
    assert place["address"] == "人民路100号市民中心二楼"


def test_area_served_is_the_region_of_the_hall(client, sample):
    db.session.get(Hall, "county").region_code = "330100"
    db.session.commit()

    [data] = json_ld(client, f"/items/{sample.service.id}")

    assert data["areaServed"] == {"@type": "AdministrativeArea", "identifier": "330100"}


def test_notices_carry_no_service_markup(client, sample):
    assert json_ld(client, f"/items/{sample.notice.id}") == []


def test_department_page_describes_a_government_organization(client, sample):
    [data] = json_ld(client, "/departments/hrss")

    assert data["@type"] == "GovernmentOrganization"
    assert data["name"] == "市人力资源和社会保障局"
    assert data["url"] == "http://localhost/departments/hrss"
    assert set(data["alternateName"]) == {
        "Human Resources and Social Security Bureau",
        "人社局",
        "市人社局",
    }
    assert data["sameAs"] == ["https://hrss.example.gov.cn/"]  # only approved http(s) accounts


def test_a_title_cannot_break_out_of_the_script_element(app, client, sample):
    title = "</script><script>alert(1)</script>"
    item = make_item(title, "正文", connector="hrss-web-feed", kind="service", guide=GUIDE)
    index(app)

    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    [data] = json_ld(client, f"/items/{item.id}")

    # The whole title stayed inside the first </script>, as data; no markup reached the page.
    assert data["name"] == title
    assert "<script>alert(1)" not in page
