"""The supervision group (监督小组): election, seats and the exclusion rule, the supervisor
rights a seat gives, inspections with findings that open orders, evidence, publication."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from disclosure.models import State
from disclosure.visibility import can_view as can_view_item
from feedback import services
from feedback.models import (
    InspectionRecord,
    RectificationEvidence,
    RelativeDeclaration,
    SupervisionGroup,
    SupervisionSeat,
)
from portal.models import Membership, Role
from portal.roles import forget_permissions, sync_user_groups

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def elect(world, **extra) -> SupervisionGroup:
    values = {"meeting": "党员大会", "elected_on": TODAY() - dt.timedelta(days=30),
              "term_start": TODAY() - dt.timedelta(days=30),
              "term_end": TODAY() + dt.timedelta(days=365 * 5), **extra}
    return services.supervision_group_elect(organization=world.branch,
                                            actor=world.users["secretary"], **values)


def seat(world, group, user, **extra) -> SupervisionSeat:
    return services.supervision_seat_add(group_id=group.pk, user=user,
                                         actor=world.users["secretary"],
                                         since=extra.pop("since", TODAY()), **extra)


def inspector(world):
    """A member of the branch who sits in its group (the leader)."""
    group = elect(world)
    user = world.users["member"]
    seat(world, group, user, is_leader=True)
    return group, user


# Election and term


def test_an_election_date_in_the_future_is_refused_and_nothing_saved(world):
    with pytest.raises(ValidationError) as error:
        elect(world, elected_on=TODAY() + dt.timedelta(days=1))
    assert "elected_on" in error.value.error_dict
    assert not SupervisionGroup.objects.exists()


def test_a_term_that_ends_before_it_starts_is_refused(world):
    with pytest.raises(ValidationError) as error:
        elect(world, term_end=TODAY() - dt.timedelta(days=60))
    assert "term_end" in error.value.error_dict
    assert not SupervisionGroup.objects.exists()


def test_only_the_secretary_records_the_election(world):
    with pytest.raises(PermissionDenied):
        services.supervision_group_elect(
            organization=world.branch, actor=world.users["member"], meeting="党员大会",
            elected_on=TODAY(), term_start=TODAY(), term_end=TODAY() + dt.timedelta(days=9))


def test_the_election_form_shows_the_errors(world):
    client = Client()
    client.force_login(world.users["secretary"])
    response = client.post("/supervision-groups/new/?org=B1", {
        "meeting": "党员大会", "elected_on": (TODAY() + dt.timedelta(days=3)).isoformat(),
        "term_start": "2026-01-01", "term_end": "2025-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"elected_on", "term_end"}
    assert not SupervisionGroup.objects.exists()


# The exclusion rule


def test_a_member_of_the_leadership_team_is_refused(world):
    group = elect(world)
    with pytest.raises(ValidationError) as error:
        seat(world, group, world.users["committee_member"])
    assert "班子成员" in str(error.value)
    assert not SupervisionSeat.objects.exists()
    assert not Membership.objects.filter(role=Role.SUPERVISOR, organization=world.branch).exists()


def test_a_declared_relative_of_the_leadership_team_is_refused_either_way(world):
    group = elect(world)
    spouse = MembershipFactory(user=UserFactory(username="spouse", full_name="李芳"),
                               organization=world.branch, role=Role.MEMBER).user
    services.relative_declare(organization=world.branch, person=world.users["secretary"],
                              relative=spouse, relation="spouse",
                              actor=world.users["secretary"])
    with pytest.raises(ValidationError) as error:
        seat(world, group, spouse)
    message = str(error.value)
    assert "李芳" in message and world.users["secretary"].display_name in message
    assert str(RelativeDeclaration.Relation.SPOUSE.label) in message
    # Declared the other way round, by the candidate: also refused.
    child = MembershipFactory(user=UserFactory(username="child"), organization=world.branch,
                              role=Role.MEMBER).user
    services.relative_declare(organization=world.branch, person=child,
                              relative=world.users["committee_member"], relation="parent",
                              actor=child)
    with pytest.raises(ValidationError):
        seat(world, group, child)
    assert not SupervisionSeat.objects.exists()


def test_the_seat_form_refuses_a_relative_with_its_reason(world):
    group = elect(world)
    services.relative_declare(organization=world.branch, person=world.users["member"],
                              relative=world.users["secretary"], relation="sibling",
                              actor=world.users["secretary"])
    client = Client()
    client.force_login(world.users["secretary"])
    response = client.post(f"/supervision-groups/{group.pk}/seats/", {
        "user": world.users["member"].pk, "since": TODAY().isoformat()})
    assert response.status_code == 200
    assert world.users["secretary"].display_name in str(response.context["form"].errors["user"])
    assert not SupervisionSeat.objects.exists()


def test_only_oneself_or_the_secretary_declares_a_relative(world):
    with pytest.raises(PermissionDenied):
        services.relative_declare(organization=world.branch, person=world.users["member"],
                                  relative=world.users["secretary"], relation="spouse",
                                  actor=world.users["other_member"])
    assert not RelativeDeclaration.objects.exists()


# Seats give and remove the supervisor rights


def test_a_seat_gives_and_ending_it_removes_sight_of_an_intra_party_draft(world):
    group = elect(world)
    draft = world.item(State.DRAFT)
    member = world.users["member"]
    assert not can_view_item(member, draft)
    placed = seat(world, group, member, since=TODAY() - dt.timedelta(days=1))
    member.refresh_from_db()
    forget_permissions(member)
    assert placed.membership.role == Role.SUPERVISOR
    assert placed.membership.until == group.term_end
    assert can_view_item(member, draft)
    services.supervision_seat_end(seat_id=placed.pk, actor=world.users["secretary"],
                                  on=TODAY(), reason="resigned")
    forget_permissions(member)
    assert not can_view_item(member, draft)
    placed.refresh_from_db()
    assert placed.until == TODAY() and placed.ended == "resigned"
    assert SupervisionSeat.objects.filter(pk=placed.pk).exists()  # kept in the history


def test_a_future_seat_is_applied_by_the_sync_on_its_day(world):
    group = elect(world)
    member = world.users["member"]
    placed = seat(world, group, member, since=TODAY() + dt.timedelta(days=3))
    assert not member.groups.filter(role_group__role=Role.SUPERVISOR).exists()
    Membership.objects.filter(pk=placed.membership_id).update(since=TODAY())
    sync_user_groups(member)
    assert member.groups.filter(role_group__role=Role.SUPERVISOR).exists()


def test_a_by_election_replaces_a_seat_and_its_right(world):
    group = elect(world)
    first = seat(world, group, world.users["member"], since=TODAY() - dt.timedelta(days=10))
    newcomer = MembershipFactory(user=UserFactory(username="newcomer"),
                                 organization=world.branch, role=Role.MEMBER).user
    second = seat(world, group, newcomer, replaces_id=first.pk)
    first.refresh_from_db()
    assert first.until == TODAY() and first.ended == SupervisionSeat.Ended.REPLACED
    assert second.joined == SupervisionSeat.Joined.BY_ELECTION and second.replaces == first
    assert not first.membership.is_active() and second.membership.is_active()
    client = Client()
    client.force_login(world.users["member"])
    page = client.get(f"/supervision-groups/{group.pk}/").content.decode()
    assert newcomer.display_name in page and world.users["member"].display_name in page


def test_a_new_leader_takes_over_and_one_leader_sits(world):
    group, leader = inspector(world)
    other = MembershipFactory(user=UserFactory(username="other"), organization=world.branch,
                              role=Role.MEMBER).user
    seat(world, group, other, is_leader=True)
    assert list(group.seats.filter(is_leader=True).values_list("user__username", flat=True)
                ) == ["other"]


# Plan → record → finding → order → response with evidence


def test_plan_record_finding_order_and_response_with_evidence(world):
    group, leader = inspector(world)
    plan = services.inspection_plan(
        group_id=group.pk, actor=leader, year=TODAY().year, period="上半年",
        scope=[world.branch], subject="党费收缴公开是否及时",
        planned_start=TODAY(), planned_end=TODAY() + dt.timedelta(days=5))
    record = services.inspection_record(group_id=group.pk, actor=leader, plan=plan,
                                        inspected_on=TODAY(), scope=[world.branch],
                                        checked="查看公开栏和网站上的党费公开")
    finding = services.inspection_add_finding(record_id=record.pk, actor=leader,
                                              organization=world.branch,
                                              text="第二季度党费未按时公开")
    order = services.inspection_open_order(finding_id=finding.pk, actor=leader,
                                           requirement="补充公开",
                                           due_date=TODAY() + dt.timedelta(days=10))
    assert order.inspection_finding == finding and order.finding == finding.text
    sec = world.users["secretary"]
    evidence = services.rectification_evidence_add(
        order_id=order.pk, actor=sec, upload=SimpleUploadedFile("公开栏.png", png_bytes()))
    services.rectification_respond(order_id=order.pk, actor=sec, response="已在公开栏补充公开")
    assert Path(evidence.file.path).exists() and evidence.content_type == "image/png"
    client = Client()
    client.force_login(sec)
    assert client.get(f"/rectification/evidence/{evidence.pk}/").status_code == 200
    page = client.get(f"/inspections/{record.pk}/").content.decode()
    assert "第二季度党费未按时公开" in page and f"/rectification/{order.pk}/" in page


def test_only_sitting_members_plan_and_record(world):
    group, _leader = inspector(world)
    with pytest.raises(PermissionDenied):
        services.inspection_record(group_id=group.pk, actor=world.users["supervisor"],
                                   inspected_on=TODAY(), scope=[world.branch],
                                   checked="查看公开栏")
    assert not InspectionRecord.objects.exists()


@pytest.mark.parametrize(("name", "content"), [
    ("照片.png", b"not an image at all"),
    ("说明.txt", "这是文字".encode()),
    ("假图.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02broken"),
])
def test_bad_evidence_is_refused_and_leaves_no_file(world, settings, name, content):
    group, leader = inspector(world)
    record = services.inspection_record(group_id=group.pk, actor=leader,
                                        inspected_on=TODAY(), scope=[world.branch],
                                        checked="查看公开栏")
    finding = services.inspection_add_finding(record_id=record.pk, actor=leader,
                                              organization=world.branch, text="公开栏未更新")
    order = services.inspection_open_order(finding_id=finding.pk, actor=leader,
                                           requirement="", due_date=TODAY() + dt.timedelta(3))
    client = Client()
    client.force_login(world.users["secretary"])
    response = client.post(f"/rectification/{order.pk}/evidence/",
                           {"file": SimpleUploadedFile(name, content)}, follow=True)
    assert response.status_code == 200
    assert not RectificationEvidence.objects.exists()
    media = Path(settings.MEDIA_ROOT) / "evidence"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


# Publication and who reads what


def _published(world, audience: str) -> tuple[InspectionRecord, object]:
    group, leader = inspector(world)
    record = services.inspection_record(group_id=group.pk, actor=leader,
                                        inspected_on=TODAY(), scope=[world.branch],
                                        checked="检查结果标记")
    finding = services.inspection_add_finding(record_id=record.pk, actor=leader,
                                              organization=world.branch, text="公开栏未更新")
    order = services.inspection_open_order(finding_id=finding.pk, actor=leader,
                                           requirement="", due_date=TODAY() + dt.timedelta(3))
    evidence = services.rectification_evidence_add(
        order_id=order.pk, actor=world.users["secretary"],
        upload=SimpleUploadedFile("照片.png", png_bytes()))
    services.inspection_publish(record_id=record.pk, actor=leader, audience=audience)
    return record, evidence


def status(world, name, url) -> int:
    client = Client()
    if name != "anonymous":
        client.force_login(world.users[name])
    return client.get(url).status_code


def test_results_published_to_members_reach_members_only(world):
    record, evidence = _published(world, InspectionRecord.Audience.MEMBERS)
    url, file_url = f"/inspections/{record.pk}/", f"/rectification/evidence/{evidence.pk}/"
    for name in ("member", "secretary", "committee_member", "reviewer", "supervisor"):
        assert status(world, name, url) == 200, name
    for name in ("other_member", "other_secretary", "branch_supervisor", "outsider"):
        assert status(world, name, url) == 404, name
    assert status(world, "anonymous", url) == 404  # only public results reach visitors
    # The evidence belongs to the order: the organization's business, not the audience's.
    assert status(world, "secretary", file_url) == 200
    for name in ("other_member", "outsider", "anonymous"):
        assert status(world, name, file_url) == 404, name


def test_public_results_reach_anonymous_visitors_but_not_their_orders(world):
    record, evidence = _published(world, InspectionRecord.Audience.PUBLIC)
    assert status(world, "anonymous", f"/inspections/{record.pk}/") == 200
    page = Client().get(f"/inspections/{record.pk}/").content.decode()
    assert "/rectification/" not in page
    assert status(world, "anonymous", f"/rectification/evidence/{evidence.pk}/") == 404


def test_group_only_results_stay_with_the_organization_business(world):
    record, _evidence = _published(world, InspectionRecord.Audience.GROUP)
    other = MembershipFactory(user=UserFactory(username="plain"), organization=world.branch,
                              role=Role.MEMBER).user
    client = Client()
    client.force_login(other)
    assert client.get(f"/inspections/{record.pk}/").status_code == 404
    assert status(world, "secretary", f"/inspections/{record.pk}/") == 200


def test_results_published_to_the_subtree_reach_members_below(world):
    record, _evidence = _published(world, InspectionRecord.Audience.SUBTREE)
    assert status(world, "member", f"/inspections/{record.pk}/") == 200
    assert status(world, "other_member", f"/inspections/{record.pk}/") == 404


def test_publishing_twice_is_refused(world):
    record, _evidence = _published(world, InspectionRecord.Audience.MEMBERS)
    from portal.workflow import TransitionError

    with pytest.raises(TransitionError):
        services.inspection_publish(record_id=record.pk, actor=world.users["member"],
                                    audience="public")
    record.refresh_from_db()
    assert record.audience == "members"


# Pages


@pytest.mark.parametrize("rows", [2, 10])
def test_list_pages_keep_their_query_count(world, rows, django_assert_max_num_queries):
    group, leader = inspector(world)
    for number in range(rows):
        services.inspection_plan(group_id=group.pk, actor=leader, year=2026, period=str(number),
                                 scope=[world.branch], subject="检查党费公开情况",
                                 planned_start=TODAY(), planned_end=TODAY())
        services.inspection_record(group_id=group.pk, actor=leader, inspected_on=TODAY(),
                                   scope=[world.branch], checked=f"检查记录{number}")
    client = Client()
    client.force_login(world.users["secretary"])
    for url in ("/inspections/", "/inspections/plans/", "/supervision-groups/",
                f"/supervision-groups/{group.pk}/", "/supervision-groups/relatives/"):
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200, url


def test_the_organization_link_leads_to_its_current_group(world):
    group, _leader = inspector(world)
    client = Client()
    client.force_login(world.users["member"])
    response = client.get("/supervision-groups/?org=B1")
    assert response.status_code == 302 and response.url == f"/supervision-groups/{group.pk}/"
    client.force_login(world.users["other_member"])
    assert client.get("/supervision-groups/?org=B1").status_code == 404
    assert client.get(f"/supervision-groups/{group.pk}/").status_code == 404


def test_supervision_counts_for_the_year_end_report(world):
    from feedback.selectors import supervision_counts

    _published(world, InspectionRecord.Audience.MEMBERS)
    counts = supervision_counts([world.branch.pk], TODAY().year)
    assert (counts.inspections, counts.published, counts.findings, counts.orders,
            counts.orders_from_findings, counts.evidence) == (1, 1, 1, 1, 1, 1)
    assert counts.orders_closed == 0 and counts.closed_rate == 0.0
    empty = supervision_counts([world.other_branch.pk], TODAY().year)
    assert (empty.inspections, empty.orders, empty.closed_rate) == (0, 0, None)


def test_only_party_members_of_the_subtree_are_offered_or_seated(world):
    """The unit's non-party people and people of other organizations are neither offered
    on the seat form nor accepted by the service."""
    group = elect(world)
    staff = MembershipFactory(user=UserFactory(username="staffer", full_name="钱芳"),
                              organization=world.branch, role=Role.PEOPLE).user
    for outsider in (staff, world.users["other_member"], world.users["outsider"]):
        with pytest.raises(ValidationError):
            seat(world, group, outsider)
    assert not SupervisionSeat.objects.exists()
    client = Client()
    client.force_login(world.users["secretary"])
    page = client.get(f"/supervision-groups/{group.pk}/seats/").content.decode()
    assert world.users["member"].username in page
    assert "staffer" not in page and "other_member" not in page and "outsider" not in page


def test_relatives_are_declared_only_by_the_organizations_party_members(world):
    staff = MembershipFactory(user=UserFactory(username="staffer"), organization=world.branch,
                              role=Role.PEOPLE).user
    client = Client()
    for name in ("other_member", "outsider"):
        client.force_login(world.users[name])
        assert client.get("/supervision-groups/relatives/?org=B1").status_code == 404
    client.force_login(staff)
    assert client.get("/supervision-groups/relatives/?org=B1").status_code == 404
    with pytest.raises(PermissionDenied):
        services.relative_declare(organization=world.branch, person=staff,
                                  relative=world.users["member"], relation="spouse",
                                  actor=staff)
    # A member declares for themselves only, choosing among the organization's members.
    client.force_login(world.users["member"])
    page = client.get("/supervision-groups/relatives/?org=B1").content.decode()
    assert "staffer" not in page and "outsider" not in page and "other_member" not in page
    assert page.count('name="person"') == 1 and "committee_member" in page
    assert not RelativeDeclaration.objects.exists()
