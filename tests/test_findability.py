"""Visitors find what is published: the organization tree reaches every level with counts
that include the organizations below and agree with the lists they open, for each reader;
an organization's page shows its subtree; the item filter offers every level; the home
page's counts follow a release at once. The secretary's calendar says each obligation's
status apart from what can be done about it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation

from disclosure import obligations, services
from disclosure.models import DisclosureItem, State
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
READERS = ["anonymous", "member", "secretary"]


def client_for(world, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world.users[who])
    return client


@pytest.fixture
def published(world):
    """Public items in both branches, intra-party ones that only their members read, a
    draft that nobody but the secretaries sees, and nothing in the committee itself."""
    world.item(State.PUBLIC, title="第一支部公开事项")
    world.item(State.PUBLIC, title="第二支部公开事项", org=world.other_branch)
    world.item(State.INTERNAL, title="第一支部党内事项")
    world.item(State.INTERNAL, title="第二支部党内事项", org=world.other_branch)
    world.item(State.DRAFT, title="第一支部草稿")
    return world


def tree_totals(client: Client, query: str = "") -> dict[str, int]:
    rows = client.get("/orgs/", {"q": query} if query else {}).context["rows"]
    return {row.org.code: row.total for row in rows}


def list_count(client: Client, url: str, data: dict | None = None) -> int:
    return client.get(url, data or {}).context["page"].paginator.count


EXPECTED = {  # tree totals per reader: hidden items are never counted
    "anonymous": {"C": 2, "G": 2, "B1": 1, "B2": 1},
    "member": {"C": 3, "G": 3, "B1": 2, "B2": 1},
    "secretary": {"C": 3, "G": 3, "B1": 2, "B2": 1},
}


@pytest.mark.parametrize("who", READERS)
def test_tree_counts_the_subtree_the_reader_sees_and_agrees_with_the_lists(published, who):
    client = client_for(published, who)
    totals = tree_totals(client)
    assert totals == EXPECTED[who]
    for code, total in totals.items():
        assert list_count(client, f"/orgs/{code}/") == total, code
        assert list_count(client, "/items/", {"organization": code}) == total, code


def test_the_tree_lists_every_level_nested_and_collapsible(published):
    html = Client().get("/orgs/").content.decode()
    for name in ("街道党委", "机关党总支", "第一党支部", "第二党支部"):
        assert name in html
    assert html.count("<details") == 2  # the committee and the general branch hold others
    committee, general = html.index("街道党委"), html.index("机关党总支")
    branch = html.index("第一党支部")
    assert committee < general < branch
    assert html[general:branch].count("<ul>") == 1  # the branch is inside the general branch


def test_searching_the_tree_shows_the_matches_with_their_ancestors(published):
    response = Client().get("/orgs/", {"q": "第二"})
    assert [row.org.code for row in response.context["rows"]] == ["C", "G", "B2"]
    assert [row.org.code for row in response.context["rows"] if row.matched] == ["B2"]
    assert tree_totals(Client(), "B1") == {"C": 2, "G": 2, "B1": 1}  # a code matches too
    assert Client().get("/orgs/", {"q": "不存在"}).context["rows"] == []


def test_tree_queries_do_not_grow_with_the_organizations(published, django_assert_num_queries):
    from portal import pagecache

    Client().get("/orgs/")
    pagecache.changed()  # the page as it renders, not as the page cache keeps it
    with django_assert_num_queries(1):
        Client().get("/orgs/")
    for i in range(5):
        OrganizationFactory(code=f"B9{i}", name=f"新支部{i}", parent=published.general)
    with django_assert_num_queries(1):
        rows = Client().get("/orgs/").context["rows"]
    assert len(rows) == 9


def test_an_organization_page_shows_its_subtree_unless_asked_for_itself_only(published):
    client = Client()
    page = client.get("/orgs/C/")
    titles = {item.title for item in page.context["page"].object_list}
    assert titles == {"第一支部公开事项", "第二支部公开事项"}
    html = page.content.decode()
    assert 'href="?subtree=0"' in html and "暂无" not in html
    assert client.get("/orgs/C/", {"subtree": "0"}).context["page"].paginator.count == 0


def test_a_leaf_organization_has_no_subtree_toggle(published):
    html = Client().get("/orgs/B1/").content.decode()
    assert "subtree=" not in html and 'class="scope"' not in html
    assert 'class="scope"' in Client().get("/orgs/G/").content.decode()


def test_items_of_organizations_no_longer_active_still_count_above_them(published):
    for org in (published.branch, published.other_branch):
        org.is_active = False
        org.save()
    client = Client()
    assert tree_totals(client) == {"C": 2, "G": 2}
    page = client.get("/orgs/G/")
    assert page.context["page"].paginator.count == 2
    assert 'class="scope"' not in page.content.decode()  # nothing active below: no choice


def test_item_filter_offers_every_level_indented_and_filters_the_subtree(published):
    client = Client()
    html = client.get("/items/").content.decode()
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html)
    offered = dict(options)
    assert {"C", "G", "B1", "B2"} <= set(offered)
    assert offered["B1"] == "\u3000\u3000第一党支部" and offered["C"] == "街道党委"
    assert list_count(client, "/items/", {"organization": "G"}) == 2
    assert list_count(client, "/items/", {"organization": "G", "only": "on"}) == 0
    chosen = client.get("/items/", {"organization": "B2"}).content.decode()
    assert '<option value="B2" selected>' in chosen


def home_count(client: Client, category: str) -> int:
    return {value: n for value, _label, n in client.get("/").context["categories"]}[category]


@pytest.mark.parametrize("who", READERS)
def test_home_counts_follow_a_release_on_the_next_request(published, who):
    client = client_for(published, who)
    internal = DisclosureItem.objects.get(title="第一支部党内事项")
    category = internal.category
    before = home_count(client, category)
    assert before == list_count(client, "/items/", {"category": category})
    published.walk_public(internal)
    published.item(State.PUBLIC, title="新公开事项")
    after = home_count(client, category)
    assert after == list_count(client, "/items/", {"category": category})
    assert after == before + (2 if who == "anonymous" else 1)  # members read it already


def test_work_before_a_release_keeps_the_counted_figures(published, django_assert_num_queries):
    Client().get("/")
    published.item(State.APPROVED, title="待发布事项")  # drafted, submitted, approved
    with django_assert_num_queries(2):  # the latest items and the organizations: no count
        Client().get("/")


def test_home_counts_never_include_hidden_items(published):
    anonymous = {value: n for value, _label, n in Client().get("/").context["categories"]}
    assert sum(anonymous.values()) == 2
    member = client_for(published, "other_member").get("/").context["categories"]
    assert sum(n for _value, _label, n in member) == 3  # its own branch's internal item


@pytest.fixture
def obligation(world):
    obligations.generate_periodic_obligations(dt.date(2026, 11, 23))
    return world.branch.obligations.get()


def calendar_row(client: Client, obligation) -> str:
    html = client.get("/workspace/").content.decode()
    match = re.search(r"<tr><td class=\"entry\">.*?</tr>", html, re.S)
    assert match, html
    return match.group(0)


def test_calendar_row_separates_status_from_action_and_shows_the_filing(world, obligation):
    client = client_for(world, "secretary")
    with translation.override("zh-hans"):
        row = calendar_row(client, obligation)
        status, action = re.findall(r'<td data-label="[^"]*" class="(?:status|actions)">(.*?)</td>',
                                    row, re.S)
        assert "备案暂不公开" not in status and "备案暂不公开" in action
        assert f"/obligations/{obligation.pk}/file/" in action
        filing = services.filing_submit(obligation_id=obligation.pk,
                                        actor=world.users["secretary"],
                                        reason="涉及正在调查的事项，暂不宜公开。",
                                        until=dt.date(2027, 3, 31))
        row = calendar_row(client, obligation)
        assert f"/filings/{filing.pk}/" in row and "2027年3月31日" in row
        assert f"/obligations/{obligation.pk}/file/" not in row
        services.filing_acknowledge(filing_id=filing.pk, actor=world.users["reviewer"])
        page = client.get("/workspace/")
        row = calendar_row(client, obligation)
    assert [o.status for o in page.context["calendar"]["filed"]] == ["filed"]
    assert f"/filings/{filing.pk}/" in row and "2027年3月31日" in row
    assert f"/obligations/{obligation.pk}/file/" not in row
