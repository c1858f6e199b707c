"""不予受理 has its own form and reason, apart from the reply, and a confirmation naming who
is told what; a decision taken by mistake is reopened with a reason, the submitter is told,
and the decision stays in the feedback's history."""

from __future__ import annotations

import pytest
from django.test import Client

from disclosure.models import DisclosureItem, PublicityResult, State
from feedback import services
from feedback.models import Feedback
from portal import workflow
from portal.models import Notification
from portal.workflow import TransitionError

pytestmark = pytest.mark.django_db
REASON = "反映的问题属于街道办事处职责，已转交有关部门。"


def logged_in(world, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def received(world, author="member") -> Feedback:
    return services.feedback_submit(
        organization=world.branch, item=None,
        author=world.users[author] if author else None,
        body="建议把党费收支明细按月公开。", address="10.0.0.3")


def declined(world, author="member") -> Feedback:
    feedback = received(world, author)
    return services.feedback_reject(feedback_id=feedback.pk, actor=world.users["secretary"],
                                    reason=REASON)


def snapshot(feedback: Feedback) -> tuple:
    feedback.refresh_from_db()
    return (feedback.state, feedback.rejection_reason, feedback.reply,
            feedback.history.count(), len(workflow.events_of(feedback)),
            Notification.objects.filter(target_id=feedback.pk,
                                        kind__startswith="feedback.").count())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Declining


def test_declining_has_its_own_form_and_reason_apart_from_the_reply(world):
    feedback = received(world)
    services.feedback_accept(feedback_id=feedback.pk, actor=world.users["secretary"])
    page = logged_in(world, "secretary").get(f"/feedback/{feedback.pk}/").content.decode()
    reply_form = page[page.index(f'action="/feedback/{feedback.pk}/reply/"'):]
    reply_form = reply_form[:reply_form.index("</form>")]
    decline_form = page[page.index(f'action="/feedback/{feedback.pk}/decline/"'):]
    decline_form = decline_form[:decline_form.index("</form>")]
    assert 'name="text"' in reply_form and "/decline/" not in reply_form
    assert 'name="reason"' in decline_form and "required" in decline_form
    assert 'name="text"' not in decline_form


def test_declining_without_a_reason_shows_the_form_again_and_changes_nothing(world):
    feedback = received(world)
    before = snapshot(feedback)
    response = logged_in(world, "secretary").post(f"/feedback/{feedback.pk}/decline/",
                                                  {"reason": "  ", "confirm": "yes"})
    assert response.status_code == 200
    assert response.templates[0].name == "feedback/decline.html"
    assert "reason" in response.context["form"].errors
    assert snapshot(feedback) == before


def test_the_confirmation_names_who_is_told_and_the_reason_and_changes_nothing(world):
    feedback = received(world)
    before = snapshot(feedback)
    response = logged_in(world, "secretary").post(f"/feedback/{feedback.pk}/decline/",
                                                  {"reason": REASON})
    assert response.status_code == 200
    assert response.templates[0].name == "disclosure/confirm.html"
    text = response.content.decode()
    assert REASON in text and "不予受理理由" in text
    name = world.users["member"].display_name
    assert f"提交人{name}将收到站内通知" in text  # the author is named and told
    assert 'name="confirm" value="yes"' in text
    assert snapshot(feedback) == before


def test_an_anonymous_submitter_is_told_through_the_tracking_code(world):
    feedback = received(world, author=None)
    text = logged_in(world, "secretary").post(f"/feedback/{feedback.pk}/decline/",
                                              {"reason": REASON}).content.decode()
    assert feedback.tracking_code in text and "查询码" in text


def test_changing_the_reason_goes_back_to_the_form_with_it(world):
    feedback = received(world)
    before = snapshot(feedback)
    response = logged_in(world, "secretary").post(
        f"/feedback/{feedback.pk}/decline/", {"reason": REASON, "edit": "1", "confirm": "yes"})
    assert response.templates[0].name == "feedback/decline.html"
    assert response.context["form"]["reason"].value() == REASON
    assert snapshot(feedback) == before


def test_the_confirmed_decline_tells_the_author_and_keeps_the_reason(world):
    feedback = received(world)
    response = logged_in(world, "secretary").post(
        f"/feedback/{feedback.pk}/decline/", {"reason": REASON, "confirm": "yes"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/feedback/{feedback.pk}/"
    assert any("重新受理" in m for m in messages_of(response))  # what comes next
    feedback.refresh_from_db()
    assert feedback.state == Feedback.State.REJECTED and feedback.rejection_reason == REASON
    assert Notification.objects.filter(recipient=world.users["member"],
                                       kind="feedback.declined", target_id=feedback.pk).exists()
    event = workflow.events_of(feedback).get(action="reject")
    assert (event.actor, event.comment) == (world.users["secretary"], REASON)


@pytest.mark.parametrize("name", ["member", "other_secretary", "supervisor", "reviewer"])
def test_wrong_people_cannot_decline(world, name):
    feedback = received(world)
    before = snapshot(feedback)
    client = logged_in(world, name)
    assert client.get(f"/feedback/{feedback.pk}/decline/").status_code == 404
    assert client.post(f"/feedback/{feedback.pk}/decline/",
                       {"reason": REASON, "confirm": "yes"}).status_code == 404
    assert snapshot(feedback) == before


def test_the_one_click_reject_step_is_gone(world):
    feedback = received(world)
    before = snapshot(feedback)
    response = logged_in(world, "secretary").post(f"/feedback/{feedback.pk}/reject/",
                                                  {"text": REASON})
    assert response.status_code == 404
    assert snapshot(feedback) == before


def test_replied_feedback_cannot_be_declined(world):
    feedback = received(world)
    sec = world.users["secretary"]
    services.feedback_accept(feedback_id=feedback.pk, actor=sec)
    services.feedback_reply(feedback_id=feedback.pk, actor=sec, reply="已按月公开党费收支。")
    before = snapshot(feedback)
    response = logged_in(world, "secretary").post(
        f"/feedback/{feedback.pk}/decline/", {"reason": REASON, "confirm": "yes"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert snapshot(feedback) == before


# Reopening a decision taken by mistake


def test_reopening_needs_a_reason_and_changes_nothing_without_one(world):
    feedback = declined(world)
    before = snapshot(feedback)
    response = logged_in(world, "secretary").post(f"/feedback/{feedback.pk}/reopen/",
                                                  {"reason": ""}, follow=True)
    assert any("请说明撤回决定的理由" in m for m in messages_of(response))
    assert snapshot(feedback) == before
    with pytest.raises(TransitionError):
        services.feedback_reopen(feedback_id=feedback.pk, actor=world.users["secretary"],
                                 reason=" \x00 ")
    assert snapshot(feedback) == before


def test_the_secretary_reopens_a_decline_taken_by_mistake(world):
    feedback = declined(world)
    sec = logged_in(world, "secretary")
    page = sec.get(f"/feedback/{feedback.pk}/").content.decode()
    assert f'action="/feedback/{feedback.pk}/reopen/"' in page
    response = sec.post(f"/feedback/{feedback.pk}/reopen/",
                        {"reason": "误操作：该意见属于本支部职责。"}, follow=True)
    assert any("已重新受理" in m and "答复" in m for m in messages_of(response))
    feedback.refresh_from_db()
    assert feedback.state == Feedback.State.ACCEPTED and feedback.rejection_reason == ""
    assert feedback.handled_by == world.users["secretary"]
    assert Notification.objects.filter(recipient=world.users["member"],
                                       kind="feedback.reopened", target_id=feedback.pk).exists()
    # History kept: the decline and its reason stay visible, with the reason to reopen.
    assert [h.state for h in feedback.history.order_by("history_date")] == [
        "received", "rejected", "accepted"]
    assert [(e.action, e.comment) for e in workflow.events_of(feedback)] == [
        ("reject", REASON), ("reopen", "误操作：该意见属于本支部职责。")]
    for reader in ("secretary", "member", "supervisor"):
        text = logged_in(world, reader).get(f"/feedback/{feedback.pk}/").content.decode()
        assert REASON in text and "误操作：该意见属于本支部职责。" in text, reader
        assert "决定及理由" in text
    # And the feedback goes on: it is answered like any accepted feedback.
    services.feedback_reply(feedback_id=feedback.pk, actor=world.users["secretary"],
                            reply="已按月公开党费收支。")


def test_the_author_reads_the_reopening_notice(world):
    feedback = declined(world)
    services.feedback_reopen(feedback_id=feedback.pk, actor=world.users["secretary"],
                             reason="误操作")
    text = logged_in(world, "member").get("/notifications/").content.decode()
    assert "您的意见已重新受理" in text


def test_a_reopened_feedback_can_be_declined_again(world):
    feedback = declined(world)
    sec = world.users["secretary"]
    services.feedback_reopen(feedback_id=feedback.pk, actor=sec, reason="误操作")
    services.feedback_reject(feedback_id=feedback.pk, actor=sec, reason="再次核实后不予受理。")
    assert [e.action for e in workflow.events_of(feedback)] == ["reject", "reopen", "reject"]


@pytest.mark.parametrize("name", ["member", "other_secretary", "supervisor", "reviewer"])
def test_wrong_people_cannot_reopen(world, name):
    feedback = declined(world)
    before = snapshot(feedback)
    assert logged_in(world, name).post(f"/feedback/{feedback.pk}/reopen/",
                                       {"reason": "误操作"}).status_code == 404
    assert snapshot(feedback) == before
    assert 'action="/feedback/' + str(feedback.pk) + '/reopen/"' not in logged_in(
        world, "member").get(f"/feedback/{feedback.pk}/").content.decode()


def test_only_declined_feedback_is_reopened(world):
    feedback = received(world)
    sec = world.users["secretary"]
    services.feedback_accept(feedback_id=feedback.pk, actor=sec)
    before = snapshot(feedback)
    response = logged_in(world, "secretary").post(f"/feedback/{feedback.pk}/reopen/",
                                                  {"reason": "误操作"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert snapshot(feedback) == before


def test_an_objection_counted_in_a_recorded_publicity_result_stays_declined(world):
    item = world.item(State.INTERNAL, entry="short")
    objection = services.feedback_submit(organization=world.branch, item=item,
                                         author=world.users["member"],
                                         body="对公示对象有异议，请核实。", objection=True)
    sec = world.users["secretary"]
    services.feedback_reject(feedback_id=objection.pk, actor=sec, reason=REASON)
    DisclosureItem.objects.filter(pk=item.pk).update(
        publicity_result=PublicityResult.OBJECTIONS_HANDLED, publicity_conclusion="异议不成立。")
    before = snapshot(objection)
    with pytest.raises(TransitionError):
        services.feedback_reopen(feedback_id=objection.pk, actor=sec, reason="误操作")
    assert snapshot(objection) == before
    assert "reopen" not in workflow.available_actions(sec, Feedback.objects.get(pk=objection.pk))


def test_the_decline_notice_still_says_declined_after_reopening(world):
    """Notices are rendered when read: the decline must not turn into "answered" once the
    decision is taken back."""
    feedback = declined(world)
    member = logged_in(world, "member")
    assert REASON in member.get("/notifications/").content.decode()
    services.feedback_reopen(feedback_id=feedback.pk, actor=world.users["secretary"],
                             reason="误操作")
    text = member.get("/notifications/").content.decode()
    assert f"您的意见 {feedback.tracking_code} 未被受理" in text
    assert "该决定后来已撤回" in text
    assert f"您的意见 {feedback.tracking_code} 已获答复" not in text
