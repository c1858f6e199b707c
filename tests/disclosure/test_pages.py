"""The workflow driven through the pages, and the query counts of every list page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from disclosure.models import DisclosureItem, State
from portal import caching, pagecache

pytestmark = pytest.mark.django_db


def logged_in(world, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def test_full_journey_through_pages(world):
    sec, rev = logged_in(world, "secretary"), logged_in(world, "reviewer")
    entry = world.entries["public"]
    form = sec.get(f"/workspace/B1/new/{entry.pk}/")
    assert form.status_code == 200
    assert form.context["form"].initial["title"] == entry.title
    response = sec.post(f"/workspace/B1/new/{entry.pk}/",
                        {"title": "支部班子分工调整", "body": "- 书记：张三"})
    item = DisclosureItem.objects.get()
    assert response.url == f"/items/{item.pk}/"
    assert (item.party_audience, item.public_audience, item.duration) == (
        entry.party_audience, entry.public_audience, entry.duration)
    sec.post(f"/items/{item.pk}/submit/", {"comment": "请审核"})
    assert rev.get("/review/").context["page"].object_list[0] == item
    rev.post(f"/items/{item.pk}/review/", {"decision": "approve",
                                            "confidentiality_checked": "on"})
    sec.post(f"/items/{item.pk}/publish-internal/")
    item.refresh_from_db()
    assert item.state == State.INTERNAL
    assert item in logged_in(world, "member").get("/mine/").context["page"].object_list
    assert Client().get(f"/items/{item.pk}/").status_code == 404
    DisclosureItem.objects.filter(pk=item.pk).update(
        internal_at=timezone.now() - timedelta(days=4))
    sec.post(f"/items/{item.pk}/release-public/")
    assert Client().get(f"/items/{item.pk}/").status_code == 200
    assert [r.action for r in item.reviews.all()] == [
        "submit", "approve", "publish_internal", "release_public"]


def test_approval_without_attestation_shows_error_and_changes_nothing(world):
    item = world.item(State.SUBMITTED)
    page = logged_in(world, "reviewer").post(
        f"/items/{item.pk}/review/", {"decision": "approve"})
    assert set(page.context["review_form"].errors) == {"confidentiality_checked"}
    assert DisclosureItem.objects.get(pk=item.pk).state == State.SUBMITTED


def test_return_through_page_shows_comment_to_secretary(world):
    item = world.item(State.SUBMITTED)
    logged_in(world, "reviewer").post(
        f"/items/{item.pk}/review/", {"decision": "return", "comment": "数字有误，请核对"})
    page = logged_in(world, "secretary").get(f"/items/{item.pk}/")
    assert "数字有误，请核对" in page.content.decode()
    assert page.context["item"].state == State.RETURNED


def test_early_public_release_shows_error(world):
    item = world.item(State.INTERNAL)
    page = logged_in(world, "secretary").post(f"/items/{item.pk}/release-public/", follow=True)
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    assert DisclosureItem.objects.get(pk=item.pk).state == State.INTERNAL


def test_plan_public_through_page(world):
    item = world.item(State.INTERNAL)
    when = timezone.localtime() + timedelta(days=5)
    logged_in(world, "secretary").post(
        f"/items/{item.pk}/plan-public/", {"when": when.strftime("%Y-%m-%dT%H:%M")})
    assert DisclosureItem.objects.get(pk=item.pk).planned_public_at is not None


def test_member_posting_transition_gets_404_and_nothing_changes(world):
    item = world.item(State.APPROVED)
    response = logged_in(world, "member").post(f"/items/{item.pk}/publish-internal/")
    assert response.status_code == 404
    assert DisclosureItem.objects.get(pk=item.pk).state == State.APPROVED


def test_other_secretary_cannot_open_foreign_workspace_form(world):
    client = logged_in(world, "other_secretary")
    assert client.get(f"/workspace/B1/new/{world.entries['public'].pk}/").status_code == 404
    assert client.get("/workspace/?org=B1").status_code == 404


def test_invalid_draft_form_shows_errors(world):
    entry = world.entries["timely"]
    page = logged_in(world, "secretary").post(f"/workspace/B1/new/{entry.pk}/",
                                              {"title": "公示", "body": "x"})
    assert page.status_code == 200
    assert set(page.context["form"].errors) == {"title", "event_date"}
    assert not DisclosureItem.objects.exists()


def test_body_html_is_sanitized(world, client):
    item = world.item(State.PUBLIC)
    DisclosureItem.objects.filter(pk=item.pk).update(
        body='**粗体** <script>alert("x")</script> <a href="javascript:alert(1)">链接</a>')
    html = client.get(f"/items/{item.pk}/").content.decode()
    assert "<strong>粗体</strong>" in html
    assert "<script>alert" not in html and "javascript:" not in html


def test_review_trail_hidden_from_members(world):
    item = world.item(State.INTERNAL)
    assert logged_in(world, "member").get(f"/items/{item.pk}/").context["reviews"] == []
    assert len(logged_in(world, "secretary").get(f"/items/{item.pk}/").context["reviews"]) == 3


def test_item_list_filters(world, client):
    a = world.item(State.PUBLIC, title="理论学习计划")
    b = world.item(State.PUBLIC, title="党费收缴公开", org=world.other_branch)
    found = client.get("/items/", {"q": "理论"}).context["page"].object_list
    assert list(found) == [a]
    found = client.get("/items/", {"organization": "B2"}).context["page"].object_list
    assert list(found) == [b]
    found = client.get("/items/", {"organization": "G", "subtree": "on"}).context["page"]
    assert set(found.object_list) == {a, b}


def test_pages_render_for_every_role(world):
    item = world.item(State.PUBLIC)
    for name in ["secretary", "reviewer", "member", "supervisor", "outsider"]:
        client = logged_in(world, name)
        for url in ["/", "/items/", "/orgs/", "/orgs/B1/", "/orgs/C/?subtree=1",
                    f"/items/{item.pk}/"]:
            assert client.get(url).status_code == 200, (name, url)
    assert logged_in(world, "member").get("/workspace/").status_code == 404
    assert logged_in(world, "member").get("/review/").status_code == 404
    assert Client().get("/mine/").status_code == 302


def make_rows(world, n: int) -> None:
    """Add n rows of every kind a list page shows: items, obligations, notifications."""
    from disclosure import services

    start = DisclosureItem.objects.count()
    for i in range(start, start + n):
        world.item(State.PUBLIC, title=f"公开事项{i}", attachment=b"x")
        world.item(State.INTERNAL, title=f"党内事项{i}")
        world.item(State.SUBMITTED, title=f"待审事项{i}")
        services.item_create(organization=world.branch, entry=world.entries["timely"],
                             actor=world.users["secretary"], title=f"发展党员公示{i}",
                             body="x", event_date=timezone.localdate() - timedelta(days=i))


# Queries per list page, pinned: the same with 2 and with 10 rows of each kind. An
# organization's page also looks up its published commitment (公开承诺). The counts of the
# home page and of the organization tree come from the cache between publications (the
# tree itself is one query). The navigation's 待办 count is one query for officers,
# reviewers and supervisors (none for members and anonymous visitors); the review inbox
# also lists the work plans and change requests waiting for the reviewer (one query each).
# The supervisor's subtree paths come with the rights (one query fewer), so the
# supervisor's pages stay where they were. Between changes the shared cache (Redis, as in
# production) holds the session, the account, the person's rights and item grants, the
# navigation's counts and the organization menu; an anonymous page is measured as it
# renders, and served afterwards from the page cache without a query; so is a member's list,
# whose part below the heading is kept for the readers who see the same (pagecache.reader_part).
# The workspace and the review inbox keep their part for their officer until any record
# changes (pagecache.office_part): they are measured after such a change, which also makes
# the navigation's 待办 count again (one query more than with the count kept).
# Pages kept (whole for anonymous readers, their part for members and officers), with the
# queries they still make when kept: the workspace looks up the organizations its
# secretary serves (to choose one, or answer 404).
KEPT = {"/": 0, "/items/": 0, "/orgs/": 0, "/orgs/B1/": 0, "/mine/": 0, "/workspace/": 1,
        "/review/": 0}
LIST_PAGES = [
    ("anonymous", "/", 2), ("anonymous", "/items/", 2), ("anonymous", "/orgs/", 1),
    ("anonymous", "/orgs/B1/", 6), ("member", "/mine/", 3), ("member", "/items/", 2),
    ("secretary", "/workspace/", 7), ("reviewer", "/review/", 9), ("supervisor", "/items/", 2),
    ("secretary", "/notifications/", 3),
]


@pytest.mark.parametrize("actor,url,queries", LIST_PAGES)
def test_list_page_queries_are_pinned(world, actor, url, queries, django_assert_num_queries):
    client = Client() if actor == "anonymous" else logged_in(world, actor)
    make_rows(world, 2)
    kept = {"anonymous": "X-Page-Cache", "member": "X-Part-Cache", "secretary": "X-Part-Cache",
            "reviewer": "X-Part-Cache"}.get(actor) if url in KEPT else None
    client.get(url)  # the first request of a session loads it; measure the steady state
    if kept:
        forget()  # measure the page as it renders, not as the cache serves it
    with django_assert_num_queries(queries):
        small = client.get(url)
    make_rows(world, 8)
    client.get(url)  # a publication makes the next request count again (home, orgs)
    if kept:
        forget()
    with django_assert_num_queries(queries):
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    if "page" in large.context:
        assert len(large.context["page"].object_list) > len(small.context["page"].object_list)
    if kept:  # until something changes, the page costs no query (officers: their choices)
        with django_assert_num_queries(KEPT[url]):
            again = client.get(url)
        assert again[kept] == "hit"
        assert without_tokens(again.content) == without_tokens(large.content)


def forget() -> None:
    """Make the next request draw its page: a public change and a change of any record."""
    pagecache.changed()
    caching.bump(pagecache.RECORDS)


def test_a_members_item_page_is_kept(world, django_assert_num_queries):
    """A member's item page costs the item's own lookup (whether the member may read it)
    once its part is kept, and shows what it showed when drawn."""
    item = world.item(State.PUBLIC, title="公开事项", attachment=b"x")
    client = logged_in(world, "member")
    drawn = client.get(f"/items/{item.pk}/")
    assert drawn["X-Part-Cache"] == "miss"
    with django_assert_num_queries(1):
        kept = client.get(f"/items/{item.pk}/")
    assert kept["X-Part-Cache"] == "hit"
    assert without_tokens(kept.content) == without_tokens(drawn.content)


def without_tokens(html: bytes) -> bytes:
    """A page without its form tokens (new with every page a signed-in reader gets)."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def test_review_error_keeps_what_the_reviewer_wrote(world):
    item = world.item(State.SUBMITTED)
    page = logged_in(world, "reviewer").post(
        f"/items/{item.pk}/review/", {"decision": "approve", "comment": "内容详实，同意"})
    assert page.status_code == 200
    form = page.context["review_form"]
    assert form.errors and form.data["comment"] == "内容详实，同意"
    assert "内容详实，同意" in page.content.decode()


def test_edit_form_shows_dates_as_the_date_picker_needs(world):
    import datetime as dt

    item = services_create_periodic(world)
    page = logged_in(world, "secretary").get(f"/items/{item.pk}/edit/")
    assert 'value="2026-10-01"' in page.content.decode()
    assert dt.date(2026, 10, 1) == item.period_start


def services_create_periodic(world):
    import datetime as dt

    from disclosure import services

    return services.item_create(organization=world.branch, entry=world.entries["periodic"],
                                actor=world.users["secretary"], title="第四季度党费",
                                body="x", period_start=dt.date(2026, 10, 1),
                                period_end=dt.date(2026, 12, 31))
