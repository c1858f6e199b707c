"""公示 as a process: objections (异议) while the period runs, signed in or anonymously; the
period is never cut short; the scheduler records "no objection", or the organization its
conclusion once every objection is handled, reminded until it has; the result shows on the
item page and nothing of an unpublished objection reaches anyone else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from archive import services as archive_services
from catalog.models import PublicAudience
from disclosure import services
from disclosure.models import DisclosureItem, PublicityResult, Review, State
from feedback import services as feedback_services
from feedback.models import Feedback
from portal import deadlines, workflow
from portal.models import Notification, Reminder
from portal.system import system_user
from portal.workflow import TransitionError

from ..factories import CatalogEntryFactory

pytestmark = pytest.mark.django_db
TEXT = "发展对象张某某入党动机不端正，请核实。"


def publicity_item(world, state: str = State.PUBLIC) -> DisclosureItem:
    """A 发展党员 公示 (short-term, five working days, released to society)."""
    return world.item(state, entry="timely", title="发展党员公示")


def object_to(world, item, author=None, body: str = TEXT, **kwargs) -> Feedback:
    return feedback_services.feedback_submit(
        organization=item.organization, item=item, author=author, body=body,
        address=kwargs.pop("address", "10.0.0.1"), objection=True, **kwargs)


def end_period(item: DisclosureItem) -> DisclosureItem:
    """Let the 公示 period run out and the scheduler's sweep expire the item."""
    DisclosureItem.objects.filter(pk=item.pk).update(
        display_until=timezone.localdate() - dt.timedelta(days=1))
    services.expire_short_term_items()
    item.refresh_from_db()
    return item


def handle_all(world, item) -> None:
    sec = world.users["secretary"]
    for feedback in Feedback.objects.filter(item=item, is_objection=True):
        feedback_services.feedback_accept(feedback_id=feedback.pk, actor=sec)
        feedback_services.feedback_reply(feedback_id=feedback.pk, actor=sec,
                                         reply="经核实，该同志入党动机端正，材料属实。")


def client_for(user=None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


# Objections while the period runs.


def test_a_member_objects_during_the_period(world):
    item = publicity_item(world)
    assert item.takes_objections() and item.display_until >= timezone.localdate()
    objection = object_to(world, item, author=world.users["member"])
    assert objection.is_objection and objection.item == item
    assert objection.state == Feedback.State.RECEIVED and objection.due_date > item.display_until
    assert Notification.objects.filter(recipient=world.users["secretary"],
                                       kind="objection.received",
                                       target_id=objection.pk).exists()


def test_an_anonymous_objection_gets_a_tracking_code(world):
    item = publicity_item(world)
    page = Client().get(f"/items/{item.pk}/").content.decode()
    assert "公示期：" in page and "提出异议" in page
    visitor = Client(REMOTE_ADDR="10.2.2.2")
    form = visitor.get(f"/feedback/objection/new/?item={item.pk}")
    assert form.status_code == 200 and "异议内容及理由" in form.content.decode()
    response = visitor.post(f"/feedback/objection/new/?item={item.pk}", {"body": TEXT})
    assert response.status_code == 302 and response.url == "/feedback/thanks/"
    thanks = visitor.get("/feedback/thanks/")
    assert thanks.context["objection"] and "您的异议已收到" in thanks.content.decode()
    code = thanks.context["code"]
    objection = Feedback.objects.get(tracking_code=code)
    assert objection.is_objection and objection.author is None and objection.address_hash
    tracked = Client().get("/feedback/track/", {"code": code})
    assert tracked.context["feedback"] == objection
    assert "异议" in tracked.content.decode()


def test_intra_party_readers_object_before_the_release_beyond_the_party(world):
    item = publicity_item(world, State.INTERNAL)
    assert item.display_until is None and item.publicity_awaits_release
    assert item.takes_objections()
    with pytest.raises(PermissionDenied):
        object_to(world, item)  # anonymous visitors do not see it yet
    object_to(world, item, author=world.users["member"])
    with pytest.raises(PermissionDenied):
        object_to(world, item, author=world.users["other_member"])
    page = client_for(world.users["member"]).get(f"/items/{item.pk}/").content.decode()
    assert "提出异议" in page and "自向党外公开之日起计算" in page
    assert Client().get(f"/feedback/objection/new/?item={item.pk}").status_code == 404


def test_an_intra_party_publicity_takes_objections_from_its_members(world):
    entry = CatalogEntryFactory(catalog=world.entries["timely"].catalog, title="党内公示",
                                duration="short", display_days=5,
                                public_audience=PublicAudience.NONE)
    world.entries["party_short"] = entry
    item = world.item(State.INTERNAL, entry="party_short")
    assert item.display_until is not None and item.takes_objections()
    object_to(world, item, author=world.users["member"])
    with pytest.raises(PermissionDenied):
        object_to(world, item)


# Refused outside the period: nothing is created.


def test_an_objection_after_the_period_is_refused_and_creates_nothing(world):
    item = publicity_item(world)
    DisclosureItem.objects.filter(pk=item.pk).update(
        display_until=timezone.localdate() - dt.timedelta(days=1))
    item.refresh_from_db()
    with pytest.raises(TransitionError, match="公示期已于"):
        object_to(world, item, author=world.users["member"])
    member = client_for(world.users["member"])
    page = member.get(f"/feedback/objection/new/?item={item.pk}")
    assert page.status_code == 200 and "不再受理异议" in page.content.decode()
    assert "<form" not in page.content.decode().split('id="objection-refused"')[1]
    response = member.post(f"/feedback/objection/new/?item={item.pk}", {"body": TEXT})
    assert response.status_code == 200 and "不再受理异议" in response.content.decode()
    assert 'id="raise-objection"' not in member.get(f"/items/{item.pk}/").content.decode()
    end_period(item)
    with pytest.raises(TransitionError):
        object_to(world, item, author=world.users["member"])
    assert not Feedback.objects.exists()


def test_items_without_a_publicity_period_take_no_objections(world):
    item = world.item(State.PUBLIC)  # long-term
    assert not item.takes_objections()
    with pytest.raises(TransitionError, match="没有公示期"):
        object_to(world, item, author=world.users["member"])
    response = client_for(world.users["member"], REMOTE_ADDR="10.3.3.3").post(
        f"/feedback/objection/new/?item={item.pk}", {"body": TEXT})
    assert response.status_code == 200 and "没有公示期" in response.content.decode()
    assert 'id="raise-objection"' not in Client().get(f"/items/{item.pk}/").content.decode()
    assert not Feedback.objects.exists()
    # Ordinary feedback on it goes on as before.
    feedback_services.feedback_submit(organization=world.branch, item=item, author=None,
                                      body="建议补充材料。", address="10.0.0.3")


# The period cannot be cut short.


def test_the_period_cannot_be_ended_early(world):
    item = publicity_item(world)
    object_to(world, item, author=world.users["member"])
    sec = world.users["secretary"]
    assert services.item_expire(item_id=item.pk) is None
    assert services.expire_short_term_items() == 0
    assert "expire" not in workflow.available_actions(sec, item)
    assert "archive" not in workflow.available_actions(sec, item)
    with pytest.raises(TransitionError, match="公示期不能提前结束"):
        services.publicity_conclude(item_id=item.pk, actor=sec, conclusion="提前结束",
                                    confidentiality_checked=True)
    with pytest.raises(TransitionError, match="公示事项须在公示期满后存档"):
        archive_services.archive_item(item_id=item.pk, actor=sec)
    assert archive_services.archive_due_items() == 0
    item.refresh_from_db()
    assert item.state == State.PUBLIC and not item.publicity_result
    assert item.takes_objections()
    # Past its last day but not yet swept: still only the scheduler's expiry closes it.
    DisclosureItem.objects.filter(pk=item.pk).update(
        display_until=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(TransitionError):
        archive_services.archive_item(item_id=item.pk, actor=sec)
    assert archive_services.archive_due_items() == 0
    assert services.expire_short_term_items() == 1
    item.refresh_from_db()
    assert item.state == State.EXPIRED and item.awaits_publicity_conclusion


# The result.


def test_no_objection_is_recorded_by_the_scheduler_exactly_once(world):
    item = publicity_item(world)
    end_period(item)
    assert item.state == State.EXPIRED and item.publicity_result == PublicityResult.NO_OBJECTION
    assert item.publicity_concluded_at is not None and item.publicity_concluded_by is None
    assert item.publicity_conclusion_due is None
    assert services.expire_short_term_items() == 0
    assert services.publicity_end(item) is None  # a rerun records nothing
    rows = list(item.reviews.filter(action=Review.Action.NO_OBJECTION))
    assert len(rows) == 1 and rows[0].actor == system_user()
    assert [r.action for r in item.reviews.order_by("created_at", "pk")][-2:] == [
        "expire", "no_objection"]
    with pytest.raises(TransitionError):
        services.publicity_conclude(item_id=item.pk, actor=world.users["secretary"],
                                    conclusion="再记录一次", confidentiality_checked=True)
    page = Client().get(f"/items/{item.pk}/").content.decode()
    assert "公示结果" in page and "无异议" in page and "提出异议" not in page
    assert not Reminder.objects.exists()
    # Nothing holds up archiving.
    assert archive_services.archive_due_items() == 1


def test_objections_need_the_organizations_conclusion(world):
    item = publicity_item(world)
    objection = object_to(world, item, author=world.users["member"])
    object_to(world, item, body="公示材料中的学历信息有误。", address="10.0.0.2")
    item = end_period(item)
    assert item.state == State.EXPIRED and not item.publicity_result
    assert item.awaits_publicity_conclusion and item.publicity_conclusion_due > item.display_until
    assert not item.reviews.filter(action=Review.Action.NO_OBJECTION).exists()
    sec = world.users["secretary"]
    assert Notification.objects.filter(recipient=sec, kind="publicity.objections",
                                       target_id=item.pk).exists()
    assert "conclude_publicity" in workflow.available_actions(sec, item)
    with pytest.raises(PermissionDenied):
        services.publicity_conclude(item_id=item.pk, actor=world.users["member"],
                                    conclusion="成员不能作结论", confidentiality_checked=True)
    with pytest.raises(TransitionError, match="尚有2条异议正在处理"):
        services.publicity_conclude(item_id=item.pk, actor=sec, conclusion="经核实无问题。",
                                    confidentiality_checked=True)
    handle_all(world, item)
    with pytest.raises(TransitionError, match="请填写异议处理结论"):
        services.publicity_conclude(item_id=item.pk, actor=sec, conclusion="  ",
                                    confidentiality_checked=True)
    item.refresh_from_db()
    assert not item.publicity_result and not item.reviews.filter(
        action=Review.Action.CONCLUDE_PUBLICITY).exists()
    services.publicity_conclude(item_id=item.pk, actor=sec,
                                conclusion="经支部委员会核实，两条异议均不成立，发展程序继续。",
                                confidentiality_checked=True)
    item.refresh_from_db()
    assert item.publicity_result == PublicityResult.OBJECTIONS_HANDLED
    assert item.publicity_concluded_by == sec and item.had_objections_handled
    review = item.reviews.get(action=Review.Action.CONCLUDE_PUBLICITY)
    assert review.actor == sec and "两条异议均不成立" in review.comment
    with pytest.raises(TransitionError):
        services.publicity_conclude(item_id=item.pk, actor=sec, conclusion="第二次",
                                    confidentiality_checked=True)
    assert objection.pk  # the objections stay as they were handled


def test_a_declined_objection_counts_as_handled(world):
    item = publicity_item(world)
    objection = object_to(world, item, author=world.users["member"])
    item = end_period(item)
    sec = world.users["secretary"]
    feedback_services.feedback_reject(feedback_id=objection.pk, actor=sec,
                                      reason="反映的问题与本次公示无关。")
    services.publicity_conclude(item_id=item.pk, actor=sec, conclusion="异议不予受理，公示无异议。",
                                confidentiality_checked=True)
    item.refresh_from_db()
    assert item.had_objections_handled


def test_the_result_shows_to_readers_and_no_objection_text_leaks(world):
    item = publicity_item(world)
    object_to(world, item, author=world.users["member"], allow_publish=False)
    anonymous = Client()
    for url in (f"/items/{item.pk}/", "/items/", "/feedback/inbox/", "/feeds/items.atom",
                "/api/v1/items/", "/notifications/"):
        assert TEXT not in anonymous.get(url).content.decode(), url
    item = end_period(item)
    page = anonymous.get(f"/items/{item.pk}/").content.decode()
    assert TEXT not in page and "公示期已满，公示结果将在此公布" in page
    assert "异议" not in page.split('id="publicity"')[1].split("</section>")[0]
    outsider = client_for(world.users["outsider"]).get(f"/items/{item.pk}/").content.decode()
    assert TEXT not in outsider and "处理异议" not in outsider
    sec = world.users["secretary"]
    secretary_page = client_for(sec).get(f"/items/{item.pk}/").content.decode()
    assert "处理异议并记录处理结论" in secretary_page
    handle_all(world, item)
    services.publicity_conclude(item_id=item.pk, actor=sec,
                                conclusion="经核实，<b>异议</b>不成立。",
                                confidentiality_checked=True)
    for client in (anonymous, client_for(world.users["other_member"]),
                   client_for(world.users["member"])):
        page = client.get(f"/items/{item.pk}/").content.decode()
        assert "异议已处理" in page and "经核实，&lt;b&gt;异议&lt;/b&gt;不成立。" in page
        assert TEXT not in page and "<b>异议</b>" not in page
    assert TEXT not in anonymous.get(f"/items/{item.pk}/").content.decode()


def test_a_published_answer_to_an_objection_is_marked_as_one(world):
    item = publicity_item(world)
    objection = object_to(world, item, author=world.users["member"], allow_publish=True,
                          allow_publish_question=True)
    sec = world.users["secretary"]
    feedback_services.feedback_accept(feedback_id=objection.pk, actor=sec)
    feedback_services.feedback_reply(feedback_id=objection.pk, actor=sec,
                                     reply="已核实，不影响发展。", confidentiality_checked=True)
    page = Client().get(f"/items/{item.pk}/").content.decode()
    assert TEXT in page and "已核实，不影响发展。" in page
    assert 'class="badge objection"' in page


# Reminders until the conclusion is recorded.


def test_reminders_until_the_conclusion_and_never_twice(world, settings):
    item = publicity_item(world)
    object_to(world, item, author=world.users["member"])
    item = end_period(item)
    due = item.publicity_conclusion_due
    sec, reviewer = world.users["secretary"], world.users["reviewer"]
    assert deadlines.run_reminders(due - dt.timedelta(days=1), names=["publicity"]) == 1
    assert deadlines.run_reminders(due - dt.timedelta(days=1), names=["publicity"]) == 0
    assert Notification.objects.filter(recipient=sec, kind="publicity.due_soon").count() == 1
    assert Notification.objects.filter(recipient=world.users["committee_member"],
                                       kind="publicity.due_soon").exists()
    later = due + dt.timedelta(days=settings.ESCALATION_DELAY_DAYS)
    deadlines.run_reminders(later, names=["publicity"])
    deadlines.run_reminders(later, names=["publicity"])
    assert set(Reminder.objects.filter(source="publicity", target_id=item.pk)
               .values_list("stage", flat=True)) == {"due_soon", "overdue", "escalated"}
    assert Notification.objects.filter(recipient=reviewer, kind="publicity.escalated").count() == 1
    assert Notification.objects.filter(recipient=sec, kind="publicity.overdue").count() == 1
    client = client_for(sec)
    listing = client.get("/notifications/").content.decode()
    assert "异议处理结论" in listing and "发展党员公示" in listing


def test_no_reminder_once_the_conclusion_is_recorded(world):
    item = publicity_item(world)
    object_to(world, item, author=world.users["member"])
    item = end_period(item)
    handle_all(world, item)
    services.publicity_conclude(item_id=item.pk, actor=world.users["secretary"],
                                conclusion="异议均已答复，公示通过。", confidentiality_checked=True)
    assert deadlines.run_reminders(item.publicity_conclusion_due + dt.timedelta(days=30),
                                   names=["publicity"]) == 0


# Archiving waits for the conclusion.


def test_archiving_waits_for_the_conclusion(world):
    item = publicity_item(world)
    object_to(world, item, author=world.users["member"])
    item = end_period(item)
    sec = world.users["secretary"]
    assert archive_services.archive_due_items() == 0
    with pytest.raises(TransitionError):
        archive_services.archive_item(item_id=item.pk, actor=sec)
    item.refresh_from_db()
    assert item.state == State.EXPIRED
    handle_all(world, item)
    services.publicity_conclude(item_id=item.pk, actor=sec, conclusion="异议均不成立。",
                                confidentiality_checked=True)
    assert archive_services.archive_due_items() == 1
    item.refresh_from_db()
    assert item.state == State.ARCHIVED and item.had_objections_handled
    page = Client().get(f"/items/{item.pk}/").content.decode()
    assert "异议已处理" in page and "异议均不成立。" in page


# The organization's page of an item's objections.


def test_objections_page_for_the_organization_only(world):
    item = publicity_item(world)
    object_to(world, item, author=world.users["member"])
    url = f"/feedback/objections/{item.pk}/"
    for name in ("member", "other_secretary", "outsider", "reviewer"):
        assert client_for(world.users[name]).get(url).status_code == 404, name
    assert Client().get(url).status_code == 302  # to the login
    supervisor = client_for(world.users["supervisor"]).get(url)
    assert supervisor.status_code == 200 and TEXT in supervisor.content.decode()
    sec = client_for(world.users["secretary"])
    page = sec.get(url)
    assert page.status_code == 200 and TEXT in page.content.decode()
    assert "记录处理结论" not in page.content.decode()  # still running
    inbox = sec.get("/feedback/inbox/?kind=objection")
    assert inbox.context["page"].paginator.count == 1
    assert 'class="badge objection"' in inbox.content.decode()
    item = end_period(item)
    handle_all(world, item)
    refused = sec.post(url, {"conclusion": "", "confidentiality_checked": "on"})
    assert refused.status_code == 200 and "请填写异议处理结论" in refused.content.decode()
    assert client_for(world.users["supervisor"]).post(
        url, {"conclusion": "督查不能代作结论", "confidentiality_checked": "on"}
    ).status_code == 404
    done = sec.post(url, {"conclusion": "经核实，异议不成立。", "confidentiality_checked": "on"})
    assert done.status_code == 302 and done.url == f"/items/{item.pk}/"
    item.refresh_from_db()
    assert item.had_objections_handled and item.publicity_conclusion == "经核实，异议不成立。"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_publicity_pages_in_both_languages(world, language):
    from django.conf import settings

    from ..test_i18n import english_phrases, visible_text

    running = publicity_item(world)
    ended = publicity_item(world)
    object_to(world, ended, author=world.users["member"])
    ended = end_period(ended)
    sec = world.users["secretary"]
    pages = {None: [f"/items/{running.pk}/", f"/feedback/objection/new/?item={running.pk}",
                    f"/feedback/objection/new/?item={ended.pk}", f"/items/{ended.pk}/"],
             sec: [f"/items/{ended.pk}/", f"/feedback/objections/{ended.pk}/",
                   "/feedback/inbox/?kind=objection", "/notifications/"]}
    phrases = english_phrases()
    for user, urls in pages.items():
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = visible_text(response)
            if language == "zh-hans":
                assert [p for p in phrases if p in text] == [], url
            else:
                assert "异议" not in text and "公示期" not in text, url
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    text = visible_text(client.get(f"/items/{running.pk}/"))
    assert ("公示期：" in text) if language == "zh-hans" else ("Publicity period:" in text)
