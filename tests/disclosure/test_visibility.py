"""The visibility matrix: every actor × every state × list, detail and attachment."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from disclosure.models import State
from disclosure.visibility import can_view, visible_items

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "member", "other_member", "secretary", "committee_member", "reviewer",
          "committee_reviewer", "supervisor", "branch_supervisor", "other_secretary", "outsider"]

# Who sees an item of the first branch in each state, written out by hand.
PUBLISHED_READERS = {"member", "secretary", "committee_member", "reviewer", "supervisor"}
EXPECTED: dict[str, set[str]] = {
    State.DRAFT: {"secretary", "committee_member", "supervisor"},
    State.SUBMITTED: {"secretary", "committee_member", "reviewer", "supervisor"},
    State.RETURNED: {"secretary", "committee_member", "reviewer", "supervisor"},
    State.APPROVED: {"secretary", "committee_member", "reviewer", "supervisor"},
    State.INTERNAL: PUBLISHED_READERS,
    State.PUBLIC: set(ACTORS),
    # It had reached society before its display period ended: a past disclosure stays
    # readable by the audiences it reached (an intra-party one: see test_audiences).
    State.EXPIRED: set(ACTORS),
}


@pytest.fixture
def items(world):
    return {
        state: world.item(state, title=f"标记事项-{state}", attachment=f"附件 {state}".encode())
        for state in EXPECTED
    }


def client_for(world, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(world.users[actor])
    return client


def user_for(world, actor: str):
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser() if actor == "anonymous" else world.users[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_visibility_matrix(world, items, actor):
    client, user = client_for(world, actor), user_for(world, actor)
    visible_ids = set(visible_items(user).values_list("pk", flat=True))
    browse = client.get("/items/").content.decode()
    for state, item in items.items():
        expected = actor in EXPECTED[state]
        assert (item.pk in visible_ids) is expected, (actor, state, "visible_items")
        assert can_view(user, item) is expected, (actor, state, "can_view")
        detail = client.get(f"/items/{item.pk}/")
        assert detail.status_code == (200 if expected else 404), (actor, state, "detail")
        attachment = item.attachments.get()
        download = client.get(f"/attachments/{attachment.pk}/")
        assert download.status_code == (200 if expected else 404), (actor, state, "file")
        if expected:
            assert b"".join(download.streaming_content) == f"附件 {state}".encode()
        listed = item.title in browse
        should_list = expected and state in (State.INTERNAL, State.PUBLIC)
        assert listed is should_list, (actor, state, "list")


def test_hidden_and_missing_answer_the_same(world, items):
    client = client_for(world, "outsider")
    hidden_url = f"/items/{items[State.INTERNAL].pk}/"
    hidden, missing = client.get(hidden_url), client.get("/items/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert normalized(hidden, hidden_url) == normalized(missing, "/items/999999/")


def normalized(response, url: str) -> str:
    """Return the page without what differs per request: its own URL and CSRF tokens."""
    page = response.content.decode().replace(url, "URL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_membership_ending_removes_access_at_once(world, items):

    from portal.models import Membership

    membership = Membership.objects.get(user=world.users["member"])
    client = client_for(world, "member")
    assert client.get(f"/items/{items[State.INTERNAL].pk}/").status_code == 200
    membership.until = timezone.localdate()
    membership.save()
    assert client.get(f"/items/{items[State.INTERNAL].pk}/").status_code == 404


def test_new_membership_grants_access_at_once(world, items):
    from tests.factories import MembershipFactory

    client = client_for(world, "outsider")
    assert client.get(f"/items/{items[State.INTERNAL].pk}/").status_code == 404
    MembershipFactory(user=world.users["outsider"], organization=world.branch, role="member")
    assert client.get(f"/items/{items[State.INTERNAL].pk}/").status_code == 200


def test_per_item_grant_shows_item_to_that_person_only(world, items):
    """A per-item grant answers an application: the applicant reads the item, nobody else;
    a grant with no answered application behind it counts for nothing."""
    from guardian.shortcuts import assign_perm

    from disclosure import services
    from disclosure.models import DisclosureRequest

    item = items[State.INTERNAL]
    assign_perm("disclosure.view_disclosureitem", world.users["outsider"], item)
    assert not can_view(world.users["outsider"], item)
    granted = world.item(State.INTERNAL, org=world.general, title="总支党内事项")
    member = world.users["member"]
    assert not can_view(member, granted)
    request = services.request_submit(organization=world.general, applicant=member,
                                      subject="申请公开有关材料")
    services.request_answer(request_id=request.pk, actor=world._secretary_of(world.general),
                            decision=DisclosureRequest.State.DISCLOSED_TO_APPLICANT,
                            answer="现向你公开。", item=granted)
    member = type(member).objects.get(pk=member.pk)  # rights are read once per request
    assert can_view(member, granted)
    assert granted in visible_items(member)
    assert client_for(world, "member").get(f"/items/{granted.pk}/").status_code == 200
    assert client_for(world, "other_member").get(f"/items/{granted.pk}/").status_code == 404
    assert items[State.DRAFT] not in visible_items(world.users["outsider"])


def test_counts_on_home_page_count_public_items_only(world, items):
    from catalog.models import Category

    page = client_for(world, "anonymous").get("/")
    counts = {value: n for value, _label, n in page.context["categories"]}
    # The public item; the expired one has left the list the count links to, and the
    # count is the list's.
    assert counts[Category.ORGANIZATION] == 1
    listed = client_for(world, "anonymous").get(f"/items/?category={Category.ORGANIZATION}")
    assert listed.context["page"].paginator.count == 1
    assert "标记事项-internal" not in page.content.decode()
