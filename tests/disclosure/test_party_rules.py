"""The party's rules around the item: the top committee discloses too, reviewed by someone
else; archiving files without taking down; 撤销 and 终止 are different; stages chain."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from archive.models import ArchiveRecord
from archive.services import archive_item
from catalog.models import Catalog
from disclosure import services
from disclosure.models import DisclosureItem, Review, State
from disclosure.visibility import can_view
from portal.models import Notification, Role
from portal.workflow import TransitionError
from tests.factories import CatalogFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def top(world):
    """The committee C discloses its own affairs: its catalog binds its issuer."""
    Catalog.objects.filter(pk=world.entries["public"].catalog_id).update(binds_issuer=True)
    world.users["c_secretary"] = MembershipFactory(
        user=UserFactory(username="c_secretary"), organization=world.committee,
        role=Role.SECRETARY).user
    world.users["c_member"] = MembershipFactory(
        user=UserFactory(username="c_member"), organization=world.committee,
        role=Role.MEMBER).user
    return world


def test_the_top_committee_drafts_is_reviewed_by_another_and_publishes(top):
    world, sec = top, top.users["c_secretary"]
    reviewer = world.users["committee_reviewer"]  # a reviewer of the committee itself
    item = services.item_create(organization=world.committee, entry=world.entries["public"],
                                actor=sec, title="街道党工委班子成员分工",
                                body="- 书记：主持全面工作")
    services.item_submit(item_id=item.pk, actor=sec)
    assert Notification.objects.filter(recipient=reviewer, kind="item.submitted").exists()
    client = Client()
    client.force_login(reviewer)
    assert item in client.get("/review/").context["page"].object_list
    with pytest.raises(TransitionError):  # four eyes: never without the check
        services.item_approve(item_id=item.pk, actor=reviewer, confidentiality_checked=False)
    services.item_approve(item_id=item.pk, actor=reviewer, confidentiality_checked=True)
    services.item_publish_internal(item_id=item.pk, actor=sec)
    item.refresh_from_db()
    assert item.state == State.INTERNAL
    assert can_view(world.users["c_member"], item)
    assert not can_view(world.users["member"], item)  # a branch member: not its audience
    assert item.reviews.get(action=Review.Action.APPROVE).confidentiality_checked


def test_nobody_approves_the_top_committees_item_they_submitted(top):
    world = top
    both = world.users["c_secretary"]
    MembershipFactory(user=both, organization=world.committee, role=Role.REVIEWER)
    item = services.item_create(organization=world.committee, entry=world.entries["public"],
                                actor=both, title="党工委年度工作计划", body="正文")
    services.item_submit(item_id=item.pk, actor=both)
    with pytest.raises(TransitionError):
        services.item_approve(item_id=item.pk, actor=both, confidentiality_checked=True)
    assert DisclosureItem.objects.get(pk=item.pk).state == State.SUBMITTED


def test_a_catalog_that_does_not_bind_its_issuer_gives_it_nothing(world):
    sec = MembershipFactory(organization=world.committee, role=Role.SECRETARY).user
    with pytest.raises(TransitionError):
        services.item_create(organization=world.committee, entry=world.entries["public"],
                             actor=sec, title="党工委事项", body="正文")


def test_a_catalog_that_binds_no_one_is_refused(world):
    catalog = CatalogFactory(issuer=world.branch, binds_kinds=["village"])
    with pytest.raises(ValidationError):
        catalog.full_clean()
    catalog.binds_issuer, catalog.binds_kinds = True, []
    catalog.full_clean()  # binds the branch itself


def test_archiving_files_without_taking_down(world):
    item = world.item(State.PUBLIC, title="支部班子分工（归档）")
    record = archive_item(item_id=item.pk, actor=world.users["secretary"])
    assert (record.reason, record.archived_by) == (ArchiveRecord.Reason.FILED,
                                                   world.users["secretary"])
    page = Client().get(f"/items/{item.pk}/")
    assert page.status_code == 200
    assert record.archive_number in page.content.decode()
    assert f"/archive/{record.archive_number}/" not in page.content.decode()  # login page


def test_terminate_keeps_the_disclosure_readable_with_its_explanation(world):
    item = world.item(State.PUBLIC, title="社区共建项目公开")
    change = services.change_submit(item_id=item.pk, actor=world.users["secretary"],
                                    kind="terminate", explanation="项目因规划调整终止实施。")
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                           approve=True, confidentiality_checked=True)
    item.refresh_from_db()
    assert item.state == State.TERMINATED
    assert item.reviews.filter(action=Review.Action.TERMINATE).exists()
    page = Client().get(f"/items/{item.pk}/").content.decode()
    assert "项目因规划调整终止实施。" in page and "正文" in page


def test_withdraw_takes_the_content_down_for_members_too(world):
    item = world.item(State.INTERNAL, title="错误发布的事项")
    change = services.change_submit(item_id=item.pk, actor=world.users["secretary"],
                                    kind="withdraw", explanation="内容有误，予以撤销。")
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                           approve=True, confidentiality_checked=True)
    member = Client()
    member.force_login(world.users["member"])
    page = member.get(f"/items/{item.pk}/").content.decode()
    assert "内容有误，予以撤销。" in page
    assert "党费</strong>收缴情况" not in page  # the body is down


def test_stages_of_one_matter_are_linked_on_each_stage(world):
    first = world.item(State.INTERNAL, title="社区换届选举（第一阶段：候选人推荐）")
    second = services.item_create(
        organization=world.branch, entry=world.entries["public"],
        actor=world.users["secretary"], title="社区换届选举（第二阶段：选举结果）", body="正文",
        previous_stage=first)
    assert [s.pk for s in second.stages()] == [first.pk, second.pk]
    assert [s.pk for s in first.stages()] == [first.pk, second.pk]
    member = Client()
    member.force_login(world.users["member"])
    page = member.get(f"/items/{first.pk}/").content.decode()
    assert "第一阶段" in page  # itself, in the chain
    with pytest.raises(ValidationError):
        services.item_create(organization=world.other_branch, entry=world.entries["public"],
                             actor=world.users["other_secretary"], title="别的组织的下一阶段",
                             body="正文", previous_stage=first)


def test_the_top_committee_files_a_deferral_with_its_own_reviewers(top):
    import datetime as dt

    from disclosure.models import Obligation
    from disclosure.permissions import filings_to_decide

    world = top
    obligation = Obligation.objects.create(
        entry=world.entries["public"], organization=world.committee,
        period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 1),
        due_date=dt.date(2026, 10, 20))
    filing = services.filing_submit(obligation_id=obligation.pk,
                                    actor=world.users["c_secretary"],
                                    reason="涉及正在进行的纪律审查，暂不公开。",
                                    condition="待审查结论作出后")
    assert list(filings_to_decide(world.users["committee_reviewer"])) == [filing]
    assert not filings_to_decide(world.users["reviewer"]).exists()
    assert Notification.objects.filter(recipient=world.users["committee_reviewer"],
                                       kind="filing.received").exists()


def test_a_withdrawn_item_stays_down_when_archived_everywhere(world):
    from django.contrib.auth.models import AnonymousUser

    from archive.services import archive_due_items
    from disclosure.visibility import public_items

    item = world.item(State.PUBLIC, title="撤销后归档的事项", attachment=b"secret file")
    change = services.change_submit(item_id=item.pk, actor=world.users["secretary"],
                                    kind="withdraw", explanation="内容有误，予以撤销。")
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                           approve=True, confidentiality_checked=True)
    member = Client()
    member.force_login(world.users["member"])
    attachment = item.attachments.get()
    assert member.get(f"/attachments/{attachment.pk}/").status_code == 404
    assert archive_due_items() == 1
    item.refresh_from_db()
    assert item.state == State.ARCHIVED and item.is_withdrawn
    assert not can_view(AnonymousUser(), item) and not can_view(world.users["member"], item)
    assert not public_items().filter(pk=item.pk).exists()
    anonymous = Client()
    for url in ("/api/v1/items/", "/feeds/items.atom", "/items/"):
        assert "撤销后归档的事项" not in anonymous.get(url).content.decode(), url
    notice = anonymous.get(f"/items/{item.pk}/").content.decode()
    assert "内容有误，予以撤销。" in notice and "党费</strong>收缴情况" not in notice
    assert "党费</strong>收缴情况" not in member.get(f"/items/{item.pk}/").content.decode()
    assert member.get(f"/attachments/{attachment.pk}/").status_code == 404
    outsider = Client()
    outsider.force_login(world.users["outsider"])
    number = item.archive_record.archive_number
    assert outsider.get(f"/archive/{number}/").status_code == 404
    assert member.get(f"/archive/{number}/").status_code == 404
    assert member.get(f"/changes/{change.pk}/").status_code == 404
    secretary = Client()
    secretary.force_login(world.users["secretary"])
    assert secretary.get(f"/items/{item.pk}/").status_code == 200  # its organization keeps it


def test_an_answer_never_discloses_to_the_units_non_party_people(world):
    from disclosure.models import DisclosureRequest

    item = world.item(State.INTERNAL, title="党内事项")
    request = services.request_submit(organization=world.branch,
                                      applicant=world.users["member"], subject="申请公开党内事项")
    with pytest.raises(ValidationError):
        services.request_answer(request_id=request.pk, actor=world.users["secretary"],
                                decision="scope", item=item, scope_role="people",
                                answer="向本单位群众公开")
    assert DisclosureRequest.objects.get(pk=request.pk).state == "submitted"
