"""Feedback: submission (signed in and anonymous), handling steps, deadlines, published
answers, rate limits; nothing a submitter writes is rendered as HTML."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from disclosure.models import State
from feedback import services
from feedback.models import Feedback
from portal import deadlines
from portal.models import Notification, Reminder
from portal.workflow import TransitionError

pytestmark = pytest.mark.django_db


def submit(world, item=None, **kwargs):
    defaults = {"organization": world.branch, "item": item, "author": None,
                "body": "建议把党费收支明细按月公开。", "address": "10.0.0.1"}
    return services.feedback_submit(**{**defaults, **kwargs})


def test_anonymous_submission_gets_a_code_and_a_deadline(world):
    feedback = submit(world)
    assert len(feedback.tracking_code) == 10 and feedback.state == Feedback.State.RECEIVED
    assert feedback.due_date > feedback.received_at.date()
    assert Notification.objects.filter(recipient=world.users["secretary"],
                                       kind="feedback.received").exists()


def test_cannot_comment_on_an_item_one_cannot_see(world):
    internal = world.item(State.INTERNAL)
    with pytest.raises(PermissionDenied):
        submit(world, item=internal)
    submit(world, item=internal, author=world.users["member"])


def test_handling_steps_by_the_right_people_only(world):
    feedback = submit(world, author=world.users["member"])
    with pytest.raises(PermissionDenied):
        services.feedback_accept(feedback_id=feedback.pk, actor=world.users["other_secretary"])
    with pytest.raises(TransitionError):
        services.feedback_reply(feedback_id=feedback.pk, actor=world.users["secretary"],
                                reply="已收到")  # must be accepted first
    sec = world.users["secretary"]
    services.feedback_accept(feedback_id=feedback.pk, actor=sec)
    services.feedback_start(feedback_id=feedback.pk, actor=sec)
    services.feedback_reply(feedback_id=feedback.pk, actor=sec, reply="下月起按月公开收支明细。")
    services.feedback_close(feedback_id=feedback.pk, actor=sec)
    feedback.refresh_from_db()
    assert feedback.state == Feedback.State.CLOSED
    assert Notification.objects.filter(recipient=world.users["member"],
                                       kind="feedback.answered").exists()
    assert [h.state for h in feedback.history.order_by("history_date")] == [
        "received", "accepted", "in_progress", "replied", "closed"]


def test_rejection_needs_a_reason(world):
    feedback = submit(world)
    with pytest.raises(TransitionError):
        services.feedback_reject(feedback_id=feedback.pk, actor=world.users["secretary"],
                                 reason=" ")
    services.feedback_reject(feedback_id=feedback.pk, actor=world.users["secretary"],
                             reason="不属于党务公开范围，已转有关部门。")
    assert Feedback.objects.get(pk=feedback.pk).state == Feedback.State.REJECTED


def test_offline_channels_are_recorded_by_secretaries(world):
    feedback = services.feedback_record_offline(
        organization=world.branch, actor=world.users["secretary"], channel="hotline",
        body="群众来电询问发展党员公示时间。", received_on=dt.date(2026, 11, 20))
    assert feedback.channel == "hotline" and feedback.recorded_by == world.users["secretary"]
    with pytest.raises(PermissionDenied):
        services.feedback_record_offline(organization=world.branch, actor=world.users["member"],
                                         channel="letter", body="x")
    with pytest.raises(ValidationError):
        services.feedback_record_offline(organization=world.branch,
                                         actor=world.users["secretary"], channel="online",
                                         body="x")


def test_offline_feedback_on_another_organizations_item_is_refused(world):
    other_item = world.item(State.PUBLIC, org=world.other_branch)
    with pytest.raises(ValidationError) as refused:
        services.feedback_record_offline(
            organization=world.branch, actor=world.users["secretary"], channel="letter",
            body="来信询问第二党支部党费收缴情况。", item=other_item)
    assert list(refused.value.message_dict) == ["item"]
    assert "其他组织" in refused.value.message_dict["item"][0]
    assert not Feedback.objects.exists()
    own_item = world.item(State.PUBLIC)
    feedback = services.feedback_record_offline(
        organization=world.branch, actor=world.users["secretary"], channel="letter",
        body="来信询问本支部党费收缴情况。", item=own_item)
    assert feedback.item == own_item


def test_reply_deadline_reminders_and_escalation(world, settings):
    feedback = submit(world)
    due = feedback.due_date
    deadlines.run_reminders(due - dt.timedelta(days=1), names=["feedback"])
    deadlines.run_reminders(due + dt.timedelta(days=settings.ESCALATION_DELAY_DAYS),
                            names=["feedback"])
    stages = set(Reminder.objects.filter(source="feedback").values_list("stage", flat=True))
    assert stages == {"due_soon", "overdue", "escalated"}
    assert Notification.objects.filter(recipient=world.users["reviewer"],
                                       kind="feedback.escalated").exists()


def test_answer_published_under_public_item_only_when_allowed(world, client):
    item = world.item(State.PUBLIC)
    allowed = submit(world, item=item, allow_publish=True, allow_publish_question=True,
                     body="<b>问题甲</b>说明")
    private = submit(world, item=item, allow_publish=False, body="问题乙不公开", address="10.0.0.2")
    for feedback in (allowed, private):
        services.feedback_accept(feedback_id=feedback.pk, actor=world.users["secretary"])
        services.feedback_reply(feedback_id=feedback.pk, actor=world.users["secretary"],
                                reply="答复<script>x</script>内容",
                                confidentiality_checked=True)
    html = client.get(f"/items/{item.pk}/").content.decode()
    assert "&lt;b&gt;问题甲&lt;/b&gt;说明" in html and "问题乙不公开" not in html
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


def test_anonymous_rate_limit_per_address(world, settings):
    settings.FEEDBACK_RATE_LIMIT_PER_HOUR = 2
    submit(world)
    submit(world)
    with pytest.raises(ValidationError):
        submit(world)
    submit(world, address="10.9.9.9")
    submit(world, author=world.users["member"])  # signed-in people are not limited


def test_control_characters_are_removed(world):
    feedback = submit(world, body="正常\x00内容\x1b[31m测试\n第二行")
    assert feedback.body == "正常内容[31m测试\n第二行"


def test_pages_anonymous_submit_and_track(world):
    item = world.item(State.PUBLIC)
    client = Client(REMOTE_ADDR="10.1.1.1")
    response = client.post(f"/feedback/new/?item={item.pk}",
                           {"body": "希望公开更详细的数据", "allow_publish": "on"})
    assert response.url == "/feedback/thanks/"
    code = client.get("/feedback/thanks/").context["code"]
    page = Client().get("/feedback/track/", {"code": code.lower()})
    assert page.context["feedback"].tracking_code == code
    assert Client().get("/feedback/track/", {"code": "NOPE"}).context["feedback"] is None


def test_feedback_pages_answer_404_to_others(world):
    feedback = submit(world, author=world.users["member"])
    other = Client()
    other.force_login(world.users["other_member"])
    assert other.get(f"/feedback/{feedback.pk}/").status_code == 404
    assert other.post(f"/feedback/{feedback.pk}/accept/").status_code == 404
    secretary = Client()
    secretary.force_login(world.users["secretary"])
    assert secretary.get(f"/feedback/{feedback.pk}/").status_code == 200
    assert secretary.get("/feedback/inbox/").context["page"].paginator.count == 1
    internal = world.item(State.INTERNAL)
    assert Client().get(f"/feedback/new/?item={internal.pk}").status_code == 404


def test_tracking_shows_the_rejection_reason_only_while_rejected(world):
    sec = world.users["secretary"]
    feedback = services.feedback_submit(organization=world.branch, item=None, author=None,
                                        body="匿名提出的一条意见", address="10.0.0.9")
    services.feedback_reject(feedback_id=feedback.pk, actor=sec, reason="不属于本支部职责范围")
    track = {"code": feedback.tracking_code}
    assert "不属于本支部职责范围" in Client().get("/feedback/track/", track).content.decode()
    services.feedback_close(feedback_id=feedback.pk, actor=sec)
    assert "不属于本支部职责范围" not in Client().get("/feedback/track/", track).content.decode()


def test_a_refused_step_names_the_present_state(world):
    feedback = services.feedback_submit(organization=world.branch, item=None,
                                        author=world.users["member"], body="一条内部意见文字")
    with translation.override("en"), pytest.raises(TransitionError) as refused:
        services.feedback_reply(feedback_id=feedback.pk, actor=world.users["secretary"],
                                reply="直接答复的内容")
    assert str(refused.value) == "This feedback is Received; that step is not possible."
