"""Audiences by range: every intra-party audience × every audience beyond the party × the
states in which an item reaches them, for people inside and outside each range; and the
side channels (lists, search, feeds, API, exports, counts) for the narrow audiences."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.test import Client

from catalog.models import PartyAudience
from disclosure import services
from disclosure.models import DisclosureItem, State
from disclosure.visibility import can_view, visible_items
from portal.models import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# People around the 党总支 G (branches B1 and B2 below it, committee C above it).
PEOPLE = {
    "g_member": ("G", Role.MEMBER),       # a member of the 党总支 itself
    "b1_member": ("B1", Role.MEMBER),     # a member of a branch below it
    "b2_member": ("B2", Role.MEMBER),     # a member of the other branch below it
    "b2_cadre": ("B2", Role.CADRE),       # a leading cadre in a branch below it
    "b2_leader": ("B2", Role.SECRETARY),  # a leadership team member below it
    "resident": ("B1", Role.PEOPLE),      # staff of the unit, not a party member
    "c_member": ("C", Role.MEMBER),       # a member of the committee above it
}
ACTORS = ["anonymous", "outsider", *PEOPLE]
BELOW = {"g_member", "b1_member", "b2_member", "b2_cadre", "b2_leader"}

# Who reads an item of G within the party, by its intra-party audience.
PARTY: dict[str, set[str]] = {
    "organization": {"g_member"},
    "subtree": BELOW,
    "leadership": {"b2_leader"},
    "cadres": {"b2_cadre"},
    "organizations": {"b2_member", "b2_cadre", "b2_leader"},  # the range names B2
}
# Who reads it beyond the party once released there, by that audience.
BEYOND: dict[str, set[str]] = {
    "none": set(),
    "unit": BELOW | {"resident"},
    "society": set(ACTORS),
}


@pytest.fixture
def people(world):
    orgs = {"G": world.general, "B1": world.branch, "B2": world.other_branch,
            "C": world.committee}
    for name, (code, role) in PEOPLE.items():
        world.users[name] = MembershipFactory(user=UserFactory(username=name),
                                              organization=orgs[code], role=role).user
    world.users["outsider"] = world.users.get("outsider") or UserFactory(username="outsider")
    return world


def audience_fields(world, party: str, public: str) -> dict:
    fields: dict = {"public_audience": public}
    if party in ("organization", "subtree"):
        fields["party_audience"] = party
    else:
        fields["party_audience"] = PartyAudience.RANGE
        fields["range_leadership"] = party == "leadership"
        fields["range_cadres"] = party == "cadres"
        if party == "organizations":
            fields["range_organizations"] = [world.other_branch]
    return fields


def item_of_g(world, party: str, public: str, state: str, title: str) -> DisclosureItem:
    """An item of the 党总支 G with the audience, walked to ``state``."""
    sec = world._secretary_of(world.general)
    item = services.item_create(organization=world.general, entry=world.entries["public"],
                                actor=sec, title=title, body="正文",
                                **audience_fields(world, party, public))
    from tests.conftest import walk

    walk(item, State.INTERNAL if state != State.DRAFT else State.DRAFT, sec,
         world.users["committee_reviewer"])
    if state in (State.PUBLIC, State.ARCHIVED, State.EXPIRED) and public != "none":
        world.walk_public(item)
    if state == State.ARCHIVED:
        from archive.services import archive_item

        archive_item(item_id=item.pk, actor=sec)
    if state == State.EXPIRED:
        import datetime as dt

        DisclosureItem.objects.filter(pk=item.pk).update(
            duration="short", display_days=1, display_until=dt.date(2020, 1, 1))
        assert services.item_expire(item_id=item.pk) is not None
    item.refresh_from_db()
    return item


def user_of(world, actor: str):
    return AnonymousUser() if actor == "anonymous" else world.users[actor]


def expected_readers(party: str, public: str, state: str, reached_beyond: bool) -> set[str]:
    if state == State.DRAFT:
        return set()
    readers = set(PARTY[party])
    if reached_beyond:
        readers |= BEYOND[public]
    return readers


@pytest.mark.parametrize("party", list(PARTY))
def test_audience_matrix(people, party):
    world = people
    clients = {}
    for actor in ACTORS:
        clients[actor] = Client()
        if actor != "anonymous":
            clients[actor].force_login(world.users[actor])
    for public in BEYOND:
        states = [State.DRAFT, State.INTERNAL, State.ARCHIVED]
        if public != "none":
            states += [State.PUBLIC, State.EXPIRED]
        for state in states:
            item = item_of_g(world, party, public, state, f"{party}-{public}-{state}")
            reached = item.public_at is not None
            readers = expected_readers(party, public, state, reached)
            for actor in ACTORS:
                user = user_of(world, actor)
                expected = actor in readers
                where = (party, public, state, actor)
                assert can_view(user, item) is expected, (*where, "can_view")
                assert visible_items(user).filter(pk=item.pk).exists() is expected, (
                    *where, "visible_items")
                status = clients[actor].get(f"/items/{item.pk}/").status_code
                assert status == (200 if expected else 404), (*where, "page")


def test_members_of_a_branch_read_a_subtree_item_of_the_general_branch_not_another(people):
    world = people
    item = item_of_g(world, "subtree", "none", State.INTERNAL, "机关党总支党员大会决议")
    assert can_view(world.users["member"], item)  # a member of B1 below G
    from tests.factories import OrganizationFactory

    elsewhere = OrganizationFactory(code="G2", level="general_branch",
                                    parent=world.committee)
    stranger = OrganizationFactory(code="G2-1", parent=elsewhere)
    outsider = MembershipFactory(organization=stranger, role=Role.MEMBER).user
    assert not can_view(outsider, item)
    assert Client().get(f"/items/{item.pk}/").status_code == 404


def test_a_range_that_names_no_one_is_refused_and_nothing_is_made(people):
    world = people
    sec = world._secretary_of(world.general)
    with pytest.raises(ValidationError) as refused:
        services.item_create(organization=world.general, entry=world.entries["public"],
                             actor=sec, title="班子成员范围公开", body="正文",
                             party_audience=PartyAudience.RANGE)
    assert "party_audience" in refused.value.message_dict
    assert not DisclosureItem.objects.exists()
    client = Client()
    client.force_login(sec)
    page = client.post(f"/workspace/G/new/{world.entries['public'].pk}/",
                       {"title": "班子成员范围公开", "body": "正文", "party_audience": "range",
                        "public_audience": "none"})
    assert page.status_code == 200
    assert "must name someone" in page.content.decode() or "必须" in page.content.decode()
    assert not DisclosureItem.objects.exists()


def test_the_form_sets_a_named_range(people):
    world = people
    sec = world._secretary_of(world.general)
    client = Client()
    client.force_login(sec)
    response = client.post(
        f"/workspace/G/new/{world.entries['public'].pk}/",
        {"title": "关于党员领导干部廉洁自律情况的通报", "body": "正文",
         "party_audience": "range", "range_cadres": "on",
         "range_organizations": [world.other_branch.pk], "public_audience": "none"})
    assert response.status_code == 302
    item = DisclosureItem.objects.get()
    assert (item.party_audience, item.range_cadres, item.public_audience) == (
        "range", True, "none")
    assert list(item.range_organizations.all()) == [world.other_branch]


MARK = "范围标记QWX"
SWEEP = ["/", "/items/", "/items/?q=通报范围", "/items/?q=通报", "/orgs/", "/orgs/G/",
         "/orgs/C/?subtree=1", "/feeds/items.atom", "/feeds/orgs/G.atom",
         "/feeds/orgs/C/subtree.atom", "/feeds/categories/organization.atom",
         "/api/v1/items/", "/api/v1/items/?q=通报范围", "/api/v1/organizations/G/",
         "/items/export.csv", "/notifications/", "/orgs/G/notice-board/",
         "/orgs/G/notice-board/?scope=internal"]


@pytest.mark.parametrize("party,public,outside", [
    ("leadership", "none", ["anonymous", "outsider", "g_member", "b1_member", "b2_member",
                            "b2_cadre", "resident", "c_member"]),
    ("cadres", "none", ["anonymous", "outsider", "g_member", "b2_leader", "resident"]),
    ("subtree", "unit", ["anonymous", "outsider", "c_member"]),
])
def test_narrow_audiences_leak_through_no_side_channel(people, party, public, outside):
    world = people
    state = State.PUBLIC if public != "none" else State.INTERNAL
    item = item_of_g(world, party, public, state, f"{MARK}通报范围事项")
    for actor in outside:
        client = Client()
        if actor != "anonymous":
            client.force_login(world.users[actor])
        for url in SWEEP:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else (
                response.content)
            assert MARK not in body.decode(), (party, public, actor, url)
        assert client.get(f"/items/{item.pk}/").status_code == 404
        assert client.get(f"/api/v1/items/{item.pk}/").status_code == 404
        from portal.models import Notification
        from portal.notifications import render

        for note in Notification.objects.filter(recipient__username=actor):
            text = render(note)
            assert MARK not in text.subject + text.body, (actor, note.kind)


def test_the_street_facing_notice_board_carries_only_items_released_to_society(people):
    world = people
    unit = item_of_g(world, "subtree", "unit", State.PUBLIC, "本单位公开事项")
    society = item_of_g(world, "subtree", "society", State.PUBLIC, "社会公开事项")
    reader = Client()
    reader.force_login(world.users["b1_member"])
    board = reader.get("/orgs/G/notice-board/").content.decode()
    assert society.title in board and unit.title not in board
    party_board = reader.get("/orgs/G/notice-board/?scope=internal").content.decode()
    assert unit.title in party_board


@pytest.mark.parametrize("party", list(PARTY))
def test_the_release_within_the_party_notifies_exactly_its_audience(people, party):
    from portal.models import Notification

    world = people
    item = item_of_g(world, party, "none", State.INTERNAL, f"通知范围-{party}")
    told = set(Notification.objects.filter(kind="item.internal", target_id=item.pk)
               .values_list("recipient__username", flat=True))
    assert told & set(ACTORS) == PARTY[party]
