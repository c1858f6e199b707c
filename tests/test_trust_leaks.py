"""What a reader of an item may not learn from it: its workflow (review trail, change
requests, the trail frozen in the archive), an answer to an application once its reason is
gone, feedback its submitter did not agree to publish; and the second look a change to a
published item gets before it reaches its readers."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from archive import services as archive_services
from disclosure import services
from disclosure.models import ChangeRequest, DisclosureItem, DisclosureRequest, Review, State
from feedback import services as feedback_services
from feedback.models import Feedback
from portal.models import Membership

pytestmark = pytest.mark.django_db

SUBMIT_NOTE, RETURN_REASON, APPROVAL_COMMENT = "提交说明甲乙", "退回理由丙丁", "审核意见戊己"


def as_user(world, name: str | None) -> Client:
    client = Client()
    if name is not None:
        client.force_login(world.users[name])
    return client


def reviewed_item(world) -> DisclosureItem:
    """An item of the branch published within the party after a return, with a note, a
    return reason and an approval comment in its trail."""
    sec, rev = world.users["secretary"], world.users["reviewer"]
    item = services.item_create(organization=world.branch, entry=world.entries["public"],
                                actor=sec, title="支部组织设置情况", body="正文：支部设置。")
    services.item_submit(item_id=item.pk, actor=sec, comment=SUBMIT_NOTE)
    services.item_return(item_id=item.pk, actor=rev, comment=RETURN_REASON)
    services.item_submit(item_id=item.pk, actor=sec)
    services.item_approve(item_id=item.pk, actor=rev, confidentiality_checked=True,
                          comment=APPROVAL_COMMENT)
    services.item_publish_internal(item_id=item.pk, actor=sec)
    return DisclosureItem.objects.get(pk=item.pk)


def shows_trail(text: str) -> bool:
    return any(words in text for words in (SUBMIT_NOTE, RETURN_REASON, APPROVAL_COMMENT))


def end_membership(user, organization) -> None:
    membership = Membership.objects.get(user=user, organization=organization)
    membership.until = timezone.localdate()
    membership.save()


# One rule for the workflow: item page, archive page, archive ZIP.


def test_member_reads_the_item_and_its_archive_record_without_the_review_trail(world):
    item = reviewed_item(world)
    record = archive_services.archive_item(item_id=item.pk, actor=world.users["secretary"])
    member = as_user(world, "member")
    item_page = member.get(f"/items/{item.pk}/")
    archive_page = member.get(f"/archive/{record.archive_number}/")
    assert item_page.status_code == archive_page.status_code == 200
    assert "正文：支部设置。" in archive_page.content.decode()
    assert not shows_trail(item_page.content.decode())
    assert not shows_trail(archive_page.content.decode())
    for name in ("secretary", "reviewer", "supervisor"):
        page = as_user(world, name).get(f"/archive/{record.archive_number}/")
        assert shows_trail(page.content.decode()), name


def zip_texts(client: Client, world) -> dict[str, str]:
    response = client.get("/archive/export.zip",
                          {"organization": "B1", "year": timezone.localdate().year})
    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: bundle.read(name).decode("utf-8", "replace") for name in bundle.namelist()}


def test_member_archive_zip_leaves_out_the_review_trail(world):
    item = reviewed_item(world)
    record = archive_services.archive_item(item_id=item.pk, actor=world.users["secretary"])
    name = f"records/{record.archive_number}.json"
    for_member = zip_texts(as_user(world, "member"), world)
    assert name in for_member and "正文：支部设置。" in for_member[name]
    assert not any(shows_trail(text) for text in for_member.values())
    document = json.loads(for_member[name])
    assert "reviews" not in document["payload"]["snapshot"]
    assert document["redacted"] == ["snapshot.reviews"]
    for_secretary = json.loads(zip_texts(as_user(world, "secretary"), world)[name])
    assert "redacted" not in for_secretary
    assert RETURN_REASON in json.dumps(for_secretary, ensure_ascii=False)


# Change requests: only those who may see the item's workflow, and its approvers.


def change_of_public_item(world) -> tuple[DisclosureItem, ChangeRequest]:
    item = world.item(State.PUBLIC, title="公开事项原标题")
    change = services.change_submit(item_id=item.pk, actor=world.users["secretary"],
                                    kind="change", new_title="未批准的新标题",
                                    new_body="未批准的新正文", explanation="更正说明文字")
    return item, change


@pytest.mark.parametrize("reader", ["member", "other_member", "other_secretary", "outsider"])
def test_change_request_of_a_public_item_is_hidden_from_its_readers(world, reader):
    item, change = change_of_public_item(world)
    client = as_user(world, reader)
    assert client.get(f"/items/{item.pk}/").status_code == 200  # the item is public
    assert client.get(f"/changes/{change.pk}/").status_code == 404
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                           approve=False, comment="不同意变更")
    assert client.get(f"/changes/{change.pk}/").status_code == 404  # nor once rejected


@pytest.mark.parametrize("reader", ["secretary", "reviewer", "supervisor",
                                    "committee_reviewer"])
def test_change_request_is_read_by_those_who_see_the_workflow_and_the_approvers(world,
                                                                                reader):
    _item, change = change_of_public_item(world)
    page = as_user(world, reader).get(f"/changes/{change.pk}/")
    shown = re.sub(r"</?(?:del|ins)>", "", page.content.decode())  # the differences marked
    assert page.status_code == 200 and "未批准的新正文" in shown


def test_change_notification_is_neutral_for_a_reader_who_may_not_see_it(world):
    from portal.models import Notification
    from portal.notifications import notify, render

    _item, change = change_of_public_item(world)
    notify([world.users["member"], world.users["secretary"]], "change.decided",
           target_id=change.pk)
    for_member = render(Notification.objects.get(recipient=world.users["member"],
                                                 kind="change.decided"))
    for_secretary = render(Notification.objects.get(
        recipient=world.users["secretary"], kind="change.decided"))
    assert for_secretary.url == f"/changes/{change.pk}/"
    assert for_member.url == ""


# Grants from answers end with their reason.


def answered_application(world) -> tuple[DisclosureItem, DisclosureRequest]:
    """The branch's member applies to the general branch, which hands over an item of its
    own members' alone to the applicant."""
    item = world.item(State.INTERNAL, org=world.general, title="总支内部事项")
    request = services.request_submit(organization=world.general,
                                      applicant=world.users["member"],
                                      subject="申请公开有关材料")
    services.request_answer(request_id=request.pk, actor=world._secretary_of(world.general),
                            decision=DisclosureRequest.State.DISCLOSED_TO_APPLICANT,
                            answer="现向你公开。", item=item)
    return item, request


def test_grant_to_an_applicant_ends_with_their_membership(world):
    item, request = answered_application(world)
    member = as_user(world, "member")
    assert member.get(f"/items/{item.pk}/").status_code == 200
    assert as_user(world, "other_member").get(f"/items/{item.pk}/").status_code == 404
    end_membership(world.users["member"], world.branch)
    assert member.get(f"/items/{item.pk}/").status_code == 404
    page = member.get(f"/requests/{request.pk}/")
    assert page.status_code == 200 and "总支内部事项" not in page.content.decode()
    assert item.title not in member.get("/items/").content.decode()


def test_feedback_page_shows_the_item_only_while_its_author_may_read_it(world):
    item = world.item(State.INTERNAL, title="党内事项标题甲")
    feedback = feedback_services.feedback_submit(
        organization=world.branch, item=item, author=world.users["member"],
        body="对党内事项的意见。")
    member = as_user(world, "member")
    assert "党内事项标题甲" in member.get(f"/feedback/{feedback.pk}/").content.decode()
    end_membership(world.users["member"], world.branch)
    page = member.get(f"/feedback/{feedback.pk}/")
    assert page.status_code == 200 and "党内事项标题甲" not in page.content.decode()


# Consent that says what is published.


def reply(world, feedback: Feedback, text: str) -> None:
    feedback_services.feedback_accept(feedback_id=feedback.pk, actor=world.users["secretary"])
    feedback_services.feedback_reply(feedback_id=feedback.pk, actor=world.users["secretary"],
                                     reply=text, confidentiality_checked=True)


def test_answer_consent_alone_publishes_the_answer_not_the_question(world):
    item = world.item(State.PUBLIC)
    member = as_user(world, "member")
    member.post(f"/feedback/new/?item={item.pk}",
                {"body": "我的问题只给支部看", "allow_publish": "on"})
    reply(world, Feedback.objects.get(), "公开的答复内容")
    html = Client().get(f"/items/{item.pk}/").content.decode()
    assert "公开的答复内容" in html and "我的问题只给支部看" not in html
    feedback = Feedback.objects.get()
    feedback_services.feedback_consent(feedback_id=feedback.pk, actor=world.users["member"],
                                       allow_publish_question=True, allow_publish=True)
    assert "我的问题只给支部看" in Client().get(f"/items/{item.pk}/").content.decode()


def test_feedback_from_the_intra_party_stage_needs_a_fresh_decision_after_release(world):
    item = world.item(State.INTERNAL)
    member = as_user(world, "member")
    member.post(f"/feedback/new/?item={item.pk}",
                {"body": "党内阶段提出的问题", "allow_publish": "on",
                 "allow_publish_question": "on"})
    feedback = Feedback.objects.get()
    reply(world, feedback, "党内阶段的答复")
    world.walk_public(item)
    html = Client().get(f"/items/{item.pk}/").content.decode()
    assert "党内阶段提出的问题" not in html and "党内阶段的答复" not in html
    page = member.get(f"/feedback/{feedback.pk}/")
    assert page.context["consent_form"] is not None
    assert as_user(world, "secretary").post(  # only the author decides
        f"/feedback/{feedback.pk}/consent/", {"allow_publish": "on"}).status_code == 404
    member.post(f"/feedback/{feedback.pk}/consent/",
                {"allow_publish": "on", "allow_publish_question": "on"})
    html = Client().get(f"/items/{item.pk}/").content.decode()
    assert "党内阶段提出的问题" in html and "党内阶段的答复" in html


# The second look.


def test_approving_a_change_needs_the_confidentiality_check(world):
    item, change = change_of_public_item(world)
    approver = as_user(world, "committee_reviewer")
    approver.post(f"/changes/{change.pk}/approve/", {"comment": "同意"})
    change.refresh_from_db()
    item.refresh_from_db()
    assert change.state == ChangeRequest.State.SUBMITTED
    assert "未批准的新正文" not in Client().get(f"/items/{item.pk}/").content.decode()
    approver.post(f"/changes/{change.pk}/approve/",
                  {"comment": "同意", "confidentiality_checked": "on"})
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.APPROVED
    assert "未批准的新正文" in Client().get(f"/items/{item.pk}/").content.decode()
    assert Review.objects.get(item=item, action=Review.Action.CHANGE).confidentiality_checked


def test_feed_marks_a_public_item_changed_after_its_release(world):
    item, change = change_of_public_item(world)
    released = timezone.now() - dt.timedelta(days=10)
    DisclosureItem.objects.filter(pk=item.pk).update(public_at=released)
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                           approve=True, confidentiality_checked=True)
    change.refresh_from_db()
    feed = Client().get("/feeds/items.atom").content.decode()
    assert "未批准的新标题" in feed
    updated = feed.split("<entry>")[1].split("<updated>")[1].split("</updated>")[0]
    assert dt.datetime.fromisoformat(updated) > released + dt.timedelta(days=9)
    assert abs(dt.datetime.fromisoformat(updated) - change.decided_at) < dt.timedelta(
        seconds=1)
    title = feed.split("<entry>")[1].split("</title>")[0]
    assert "（已更新）" in title or "(updated)" in title
