"""Feeds and the read-only API: valid Atom, responses that match the OpenAPI description,
and public items only."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import jsonschema
import pytest
from openapi_spec_validator import validate

from disclosure.models import State

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
MARKER = "内部标记Q9ZK"


@pytest.fixture
def published(world):
    return {
        "public": world.item(State.PUBLIC, title="支部班子分工", attachment=b"x"),
        "other": world.item(State.PUBLIC, title="第二支部学习计划", org=world.other_branch),
        "internal": world.item(State.INTERNAL, title=f"{MARKER}党内事项"),
        "draft": world.item(State.DRAFT, title=f"{MARKER}草稿"),
    }


def atom_titles(response) -> list[str]:
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for entry in root.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "link", "updated"):
            assert entry.find(f"{ATOM}{tag}") is not None
    return [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]


def test_portal_feed_lists_public_items_only(world, published, client):
    client.force_login(world.users["member"])  # even a member's feed is public only
    response = client.get("/feeds/items.atom")
    assert sorted(atom_titles(response)) == ["支部班子分工", "第二支部学习计划"]
    assert MARKER not in response.content.decode()


def test_organization_feeds_with_and_without_subtree(world, published, client):
    assert atom_titles(client.get("/feeds/orgs/B1.atom")) == ["支部班子分工"]
    assert atom_titles(client.get("/feeds/orgs/G.atom")) == []
    assert sorted(atom_titles(client.get("/feeds/orgs/G/subtree.atom"))) == [
        "支部班子分工", "第二支部学习计划"]
    assert client.get("/feeds/orgs/NOPE.atom").status_code == 404


def test_category_feed(world, published, client):
    category = published["public"].category
    assert len(atom_titles(client.get(f"/feeds/categories/{category}.atom"))) == 2
    assert atom_titles(client.get("/feeds/categories/integrity.atom")) == []
    assert client.get("/feeds/categories/bogus.atom").status_code == 404


@pytest.fixture
def spec(client):
    document = client.get("/api/openapi.json").json()
    validate(document)
    return document


def check(spec, response, schema_name: str) -> dict:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    data = response.json()
    jsonschema.validate(data, schema)
    return data


def test_api_items_match_openapi_and_hide_internal(world, published, client, spec):
    client.force_login(world.users["secretary"])
    response = client.get("/api/v1/items/")
    data = check(spec, response, "ItemPage")
    assert data["count"] == 2
    assert MARKER not in response.content.decode()
    detail = check(spec, client.get(f"/api/v1/items/{published['public'].pk}/"), "Item")
    assert detail["attachments"][0]["name"] == "附件.txt"
    for hidden in ("internal", "draft"):
        response = client.get(f"/api/v1/items/{published[hidden].pk}/")
        assert response.status_code == 404
        check(spec, response, "Error")


def test_api_filters_and_pagination(world, published, client, spec):
    data = check(spec, client.get("/api/v1/items/", {"organization": "G", "subtree": "true",
                                                     "page_size": 1}), "ItemPage")
    assert (data["count"], data["pages"], len(data["results"])) == (2, 2, 1)
    data = check(spec, client.get("/api/v1/items/", {"q": "学习"}), "ItemPage")
    assert [r["title"] for r in data["results"]] == ["第二支部学习计划"]
    assert client.get("/api/v1/items/", {"page_size": 1000}).status_code == 400
    assert client.get("/api/v1/items/", {"page": 9}).status_code == 404
    assert client.get("/api/v1/items/", {"organization": "NOPE"}).status_code == 404


def test_api_organizations(world, published, client, spec):
    data = check(spec, client.get("/api/v1/organizations/"), "OrganizationList")
    assert {o["code"] for o in data["results"]} >= {"C", "G", "B1", "B2"}
    data = check(spec, client.get("/api/v1/organizations/B1/"), "Organization")
    assert (data["parent"], data["public_items"]) == ("G", 1)
    response = client.get("/api/v1/organizations/NOPE/")
    assert response.status_code == 404
    check(spec, response, "Error")
