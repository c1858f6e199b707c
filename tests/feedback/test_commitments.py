"""公开承诺 and 领导点评: the secretary signs, one published commitment per organization and
year, new versions supersede, comments come from the superior side and are read as chosen."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from feedback import permissions as feedback_permissions
from feedback import services
from feedback.models import Commitment, LeaderComment
from portal.workflow import TransitionError
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def published(world, *, audience="public", text="全年按目录及时公开党务", year=YEAR,
              signer=None) -> Commitment:
    sec = world.users["secretary"]
    draft = services.commitment_draft(organization=world.branch, actor=sec, year=year,
                                      text=text, audience=audience)
    services.commitment_publish(commitment_id=draft.pk, actor=signer or sec)
    draft.refresh_from_db()
    return draft


def test_the_secretary_signs_with_name_and_time(world):
    commitment = published(world)
    assert commitment.state == Commitment.State.PUBLISHED
    assert commitment.signed_by == world.users["secretary"]
    assert commitment.signed_name == world.users["secretary"].display_name
    assert commitment.signed_at is not None


@pytest.mark.parametrize("who", ["committee_member", "reviewer", "supervisor", "other_secretary",
                                 "member"])
def test_only_the_secretary_may_sign(world, who):
    draft = services.commitment_draft(organization=world.branch,
                                      actor=world.users["committee_member"], year=YEAR,
                                      text="承诺内容")
    with pytest.raises(PermissionDenied):
        services.commitment_publish(commitment_id=draft.pk, actor=world.users[who])
    draft.refresh_from_db()
    assert draft.state == Commitment.State.DRAFT and draft.signed_by is None


def test_a_superuser_is_not_the_first_responsible_person(world):
    admin = UserFactory(is_superuser=True, is_staff=True)
    draft = services.commitment_draft(organization=world.branch, actor=admin, year=YEAR,
                                      text="承诺内容")
    with pytest.raises(PermissionDenied):
        services.commitment_publish(commitment_id=draft.pk, actor=admin)


def test_a_former_secretary_may_not_sign(world):
    former = MembershipFactory(organization=world.branch, role="secretary",
                               since=timezone.localdate().replace(year=YEAR - 3),
                               until=timezone.localdate().replace(year=YEAR - 1)).user
    assert not feedback_permissions.is_secretary(former, world.branch)


def test_members_may_not_draft(world):
    with pytest.raises(PermissionDenied):
        services.commitment_draft(organization=world.branch, actor=world.users["member"],
                                  year=YEAR, text="承诺")


def test_a_second_commitment_for_the_year_is_refused_with_a_clear_message(world):
    published(world)
    with pytest.raises(ValidationError) as refused:
        services.commitment_draft(organization=world.branch, actor=world.users["secretary"],
                                  year=YEAR, text="另一份承诺")
    message = str(refused.value)
    assert f"{YEAR}" in message and ("already has a published commitment" in message
                                      or "已公开" in message)
    assert Commitment.objects.count() == 1
    # The page shows it on the form and keeps the text.
    page = client_for(world.users["secretary"]).post(
        f"/commitments/new/?org={world.branch.code}",
        {"year": YEAR, "text": "另一份承诺的文字", "audience": "public"})
    assert page.status_code == 200 and "另一份承诺的文字" in page.content.decode()
    assert page.context["form"].errors["year"]
    assert Commitment.objects.count() == 1


def test_the_database_refuses_two_published_for_a_year(world):
    first = published(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(organization=world.branch, year=YEAR, text="x", version=9,
                                  state=Commitment.State.PUBLISHED,
                                  drafted_by=world.users["secretary"])
    assert Commitment.objects.get(state="published") == first


def test_a_new_version_supersedes_and_history_is_kept(world):
    first = published(world, text="第一版承诺")
    sec = world.users["secretary"]
    with pytest.raises(TransitionError):  # a published one is never edited
        services.commitment_edit(commitment_id=first.pk, actor=sec, text="悄悄改",
                                 audience="public")
    second = services.commitment_revise(commitment_id=first.pk, actor=sec)
    assert (second.version, second.supersedes, second.state) == (2, first, "draft")
    services.commitment_edit(commitment_id=second.pk, actor=sec, text="第二版承诺",
                             audience="public")
    first.refresh_from_db()
    assert first.state == Commitment.State.PUBLISHED  # in force until the new one is signed
    services.commitment_publish(commitment_id=second.pk, actor=sec)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.text, second.state) == ("superseded", "第一版承诺", "published")
    page = client_for().get(f"/commitments/{second.pk}/")
    assert "第二版承诺" in page.content.decode() and list(page.context["versions"]) == [first]


def test_an_unrelated_draft_cannot_publish_over_the_published_one(world):
    sec = world.users["secretary"]
    draft = services.commitment_draft(organization=world.branch, actor=sec, year=YEAR,
                                      text="先起草的")
    Commitment.objects.create(organization=world.branch, year=YEAR, text="已公开", version=2,
                              state=Commitment.State.PUBLISHED, drafted_by=sec)
    with pytest.raises(TransitionError):
        services.commitment_publish(commitment_id=draft.pk, actor=sec)
    draft.refresh_from_db()
    assert draft.state == Commitment.State.DRAFT


@pytest.mark.parametrize(("audience", "reader", "status"), [
    ("public", None, 200), ("public", "outsider", 200), ("public", "member", 200),
    ("members", None, 404), ("members", "outsider", 404), ("members", "other_member", 404),
    ("members", "member", 200), ("members", "supervisor", 200),
])
def test_published_commitments_are_read_by_their_audience(world, audience, reader, status):
    commitment = published(world, audience=audience)
    user = world.users[reader] if reader else None
    assert client_for(user).get(f"/commitments/{commitment.pk}/").status_code == status
    listed = client_for(user).get("/commitments/").content.decode()
    assert ("全年按目录及时公开党务" in commitment.text) and (
        (f"/commitments/{commitment.pk}/" in listed) == (status == 200))


def test_drafts_are_read_by_officers_only(world):
    draft = services.commitment_draft(organization=world.branch,
                                      actor=world.users["secretary"], year=YEAR, text="草稿")
    for reader, status in [(None, 404), ("member", 404), ("outsider", 404),
                           ("committee_member", 200), ("reviewer", 200)]:
        user = world.users[reader] if reader else None
        assert client_for(user).get(f"/commitments/{draft.pk}/").status_code == status, reader


def test_sign_page_flow(world):
    sec = world.users["secretary"]
    page = client_for(world.users["committee_member"]).post(
        f"/commitments/new/?org={world.branch.code}",
        {"year": YEAR, "text": "页面起草的承诺", "audience": "members"})
    commitment = Commitment.objects.get()
    assert page.status_code == 302
    detail = client_for(world.users["committee_member"]).get(f"/commitments/{commitment.pk}/")
    assert "publish" not in detail.context["actions"]
    client_for(world.users["committee_member"]).post(
        f"/commitments/{commitment.pk}/publish/")
    commitment.refresh_from_db()
    assert commitment.state == Commitment.State.DRAFT
    assert "publish" in client_for(sec).get(f"/commitments/{commitment.pk}/").context["actions"]
    client_for(sec).post(f"/commitments/{commitment.pk}/publish/")
    commitment.refresh_from_db()
    assert commitment.state == Commitment.State.PUBLISHED


# 领导点评


def test_comments_come_from_the_superior_side(world):
    for who in ("reviewer",):  # reviewers of the organization's work
        services.leader_comment_record(organization=world.branch, actor=world.users[who],
                                       year=YEAR, text="工作扎实")
    parent_secretary = MembershipFactory(organization=world.general, role="secretary").user
    services.leader_comment_record(organization=world.branch, actor=parent_secretary,
                                   year=YEAR, text="上级书记点评")
    for who in ("secretary", "member", "other_secretary", "supervisor", "outsider",
                "committee_reviewer"):
        with pytest.raises(PermissionDenied):
            services.leader_comment_record(organization=world.branch, actor=world.users[who],
                                           year=YEAR, text="越级点评")
    assert LeaderComment.objects.count() == 2
    page = client_for(world.users["secretary"]).get("/commitments/comments/new/?org=B1")
    assert page.status_code == 404


@pytest.mark.parametrize("audience", ["public", "members"])
def test_publish_with_choice_is_respected_for_every_role(world, audience):
    commitment = published(world, audience=audience)
    shown = services.leader_comment_record(organization=world.branch,
                                           actor=world.users["reviewer"], year=YEAR,
                                           text="公开的点评ABC", publish=True)
    kept = services.leader_comment_record(organization=world.branch,
                                          actor=world.users["reviewer"], year=YEAR,
                                          text="内部的点评XYZ")
    readers = {None: audience == "public", "outsider": audience == "public",
               "other_member": audience == "public", "member": True, "secretary": True}
    for reader, sees_published in readers.items():
        user = world.users[reader] if reader else None
        page = client_for(user).get(f"/commitments/{commitment.pk}/").content.decode()
        assert ("公开的点评ABC" in page) == sees_published, reader
        officer = reader == "secretary"
        assert ("内部的点评XYZ" in page) == officer, reader
        status = client_for(user).get(f"/commitments/comments/{kept.pk}/").status_code
        assert status == (200 if officer else 404), reader
        status = client_for(user).get(f"/commitments/comments/{shown.pk}/").status_code
        assert status == (200 if sees_published else 404), reader
    # The commenting side reads both; withdrawing the publication hides it again.
    reviewer_page = client_for(world.users["reviewer"]).get(
        f"/commitments/{commitment.pk}/").content.decode()
    assert "公开的点评ABC" in reviewer_page and "内部的点评XYZ" in reviewer_page
    services.leader_comment_unpublish(comment_id=shown.pk, actor=world.users["reviewer"])
    assert client_for().get(f"/commitments/comments/{shown.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.leader_comment_publish(comment_id=shown.pk, actor=world.users["secretary"])


def test_a_published_comment_without_a_published_commitment_stays_hidden(world):
    shown = services.leader_comment_record(organization=world.branch,
                                           actor=world.users["reviewer"], year=YEAR,
                                           text="先点评", publish=True)
    assert client_for().get(f"/commitments/comments/{shown.pk}/").status_code == 404
    assert client_for(world.users["member"]).get(
        f"/commitments/comments/{shown.pk}/").status_code == 404
    published(world, audience="members")
    assert client_for(world.users["member"]).get(
        f"/commitments/comments/{shown.pk}/").status_code == 200


@pytest.mark.parametrize("n", [2, 10])
def test_commitment_list_query_count_is_pinned(world, n, django_assert_max_num_queries):
    from portal.models import Organization

    orgs = [world.branch, world.other_branch]
    for i in range(n):
        org = orgs[i % 2]
        Commitment.objects.create(organization=org, year=YEAR - i, text=f"承诺{i}",
                                  state=Commitment.State.PUBLISHED, audience="public",
                                  drafted_by=world.users["secretary"], signed_name="书记")
    assert Organization.objects.count() >= 2
    client = client_for(world.users["member"])
    with django_assert_max_num_queries(9):
        page = client.get("/commitments/")
    assert page.status_code == 200 and len(page.context["page"].object_list) == n


def test_the_organization_page_shows_the_commitment_to_its_audience(world):
    published(world, audience="members", text="党员范围的承诺QQ")
    services.leader_comment_record(organization=world.branch, actor=world.users["reviewer"],
                                   year=YEAR, text="随承诺公开的点评PP", publish=True)
    services.leader_comment_record(organization=world.branch, actor=world.users["reviewer"],
                                   year=YEAR, text="不公开的点评RR")
    anonymous = client_for().get("/orgs/B1/").content.decode()
    assert "党员范围的承诺QQ" not in anonymous and "点评PP" not in anonymous
    member = client_for(world.users["member"]).get("/orgs/B1/").content.decode()
    assert "党员范围的承诺QQ" in member and "点评PP" in member and "点评RR" not in member
    officer = client_for(world.users["secretary"]).get("/orgs/B1/").content.decode()
    assert "点评RR" not in officer  # the organization page shows what is published only
