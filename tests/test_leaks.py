"""A marker string in an internal item never reaches anyone outside its organization:
not through pages, search, feeds, the API, exports, counts or notifications."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from disclosure.models import State
from portal.models import Notification

pytestmark = pytest.mark.django_db
MARKER = "机密标记ZQX"


@pytest.fixture
def secret(world):
    item = world.item(State.INTERNAL, title=f"{MARKER}党费核对", attachment=b"x")
    item.attachments.update(original_name=f"{MARKER}.txt")
    world.item(State.PUBLIC, title="支部班子分工")
    return item


def client_for(world, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(world.users[actor])
    return client


URLS = ["/", "/items/", "/items/?q=党费核对", "/items/?q=ZQX", "/orgs/", "/orgs/B1/",
        "/orgs/C/?subtree=1", "/feeds/items.atom", "/feeds/orgs/B1.atom",
        "/feeds/orgs/C/subtree.atom", "/feeds/categories/organization.atom",
        "/api/v1/items/", "/api/v1/items/?q=党费核对", "/api/v1/organizations/B1/",
        "/items/export.csv", "/items/export.csv?q=党费", "/notifications/",
        "/orgs/B1/catalog/", "/orgs/C/catalog/?subtree=1"]


@pytest.mark.parametrize("actor", ["anonymous", "outsider", "other_member", "other_secretary",
                                   "branch_supervisor", "committee_reviewer"])
def test_marker_reaches_no_one_outside(world, secret, actor):
    client = client_for(world, actor)
    for url in URLS:
        response = client.get(url)
        body = response.content.decode() if not response.streaming else ""
        assert MARKER not in body, (actor, url)  # the query itself may echo "ZQX"
    xlsx = client.get("/items/export.xlsx")
    cells = [str(c) for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(
        values_only=True) for c in row]
    assert not any(MARKER in c for c in cells)
    assert client.get(f"/items/{secret.pk}/").status_code == 404
    assert client.get(f"/attachments/{secret.attachments.get().pk}/").status_code == 404
    assert client.get(f"/api/v1/items/{secret.pk}/").status_code == 404
    for note in Notification.objects.filter(recipient__username=actor):
        from portal.notifications import render

        text = render(note)
        assert MARKER not in text.subject + text.body


def test_counts_outside_are_public_counts(world, secret):
    client = client_for(world, "outsider")
    assert client.get("/items/").context["page"].paginator.count == 1
    orgs = {row.org.code: row.total for row in client.get("/orgs/?q=B1").context["rows"]}
    assert orgs["B1"] == orgs["C"] == 1
    assert client.get("/api/v1/organizations/B1/").json()["public_items"] == 1
    assert client.get("/api/v1/items/").json()["count"] == 1


def test_members_see_it_where_they_should(world, secret):
    client = client_for(world, "member")
    assert MARKER in client.get("/mine/").content.decode()
    assert MARKER in client.get("/items/?q=党费核对").content.decode()
    assert MARKER in client.get("/items/export.csv").content.decode("utf-8-sig")
    assert MARKER not in client.get("/feeds/items.atom").content.decode()
    assert MARKER not in client.get("/api/v1/items/").content.decode()


def test_exports_match_the_list(world, secret):
    client = client_for(world, "member")
    listed = [i.title for i in client.get("/items/").context["page"].object_list]
    rows = client.get("/items/export.csv").content.decode("utf-8-sig").splitlines()[1:]
    assert sorted(r.split(",")[1] for r in rows) == sorted(listed)
    book = load_workbook(io.BytesIO(client.get("/items/export.xlsx").content))
    titles = [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted(listed)
    assert client.get("/items/export.pdf").status_code == 404


def test_export_neutralises_formulas(world):
    world.item(State.PUBLIC, title="=HYPERLINK(\"http://x\")公式")
    csv_text = Client().get("/items/export.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
