"""Reminders, escalation and notifications: once per stage, to the right people, in their
language, never revealing what the reader may not see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from disclosure import obligations
from disclosure.models import Obligation
from portal import deadlines, notifications
from portal.models import Notification, Reminder
from tests.conftest import walk

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def due(world):
    """Obligations of the quarter ending 31 Dec 2026, due 15 Jan 2027."""
    world.entries["periodic"].due_days = 10
    world.entries["periodic"].save()
    obligations.generate_periodic_obligations(D(2026, 12, 1))
    Obligation.objects.update(due_date=D(2027, 1, 15))
    for name, user in world.users.items():
        user.email = f"{name}@example.org"
        user.save()
    return Obligation.objects.get(organization=world.branch)


def kinds_for(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_no_reminder_before_the_window(world, due):
    assert deadlines.run_reminders(D(2027, 1, 11)) == 0


def test_due_soon_goes_to_the_secretaries_once(world, due, settings):
    settings.REMINDER_DAYS_BEFORE = 3
    assert deadlines.run_reminders(D(2027, 1, 12)) == 3  # one per bound organization
    assert deadlines.run_reminders(D(2027, 1, 12)) == 0
    assert deadlines.run_reminders(D(2027, 1, 13)) == 0
    assert kinds_for(world.users["secretary"]) == ["obligation.due_soon"]
    assert kinds_for(world.users["committee_member"]) == ["obligation.due_soon"]
    assert kinds_for(world.users["member"]) == []
    assert kinds_for(world.users["reviewer"]) == []


def test_overdue_then_escalation_to_parent_reviewers_and_supervisors(world, due, settings):
    settings.ESCALATION_DELAY_DAYS = 5
    deadlines.run_reminders(D(2027, 1, 16))
    assert kinds_for(world.users["secretary"]) == ["obligation.overdue"]
    assert kinds_for(world.users["reviewer"]) == []
    deadlines.run_reminders(D(2027, 1, 21))
    assert kinds_for(world.users["reviewer"]) == ["obligation.escalated"] * 2  # B1 and B2
    assert kinds_for(world.users["supervisor"]) == ["obligation.escalated"] * 3
    assert kinds_for(world.users["branch_supervisor"]) == ["obligation.escalated"]
    assert kinds_for(world.users["secretary"]) == ["obligation.overdue"]
    assert Reminder.objects.filter(stage="escalated").count() == 3


def test_fulfilled_obligation_is_not_reminded(world, due):
    from disclosure import services

    services.item_update(item_id=due.draft_id, actor=world.users["secretary"], body="实缴3260元")
    walk(due.draft, "internal", world.users["secretary"], world.users["reviewer"])
    deadlines.run_reminders(D(2027, 1, 20))
    assert "obligation.overdue" not in kinds_for(world.users["secretary"])
    assert not Reminder.objects.filter(target_id=due.pk).exists()


def test_interrupted_run_then_rerun_sends_each_once(world, due):
    assert deadlines.run_reminders(D(2027, 1, 25), limit=2) == 2
    deadlines.run_reminders(D(2027, 1, 25))
    deadlines.run_reminders(D(2027, 1, 25))
    assert Reminder.objects.count() == 6  # 3 obligations × overdue, escalated
    keys = list(Notification.objects.values_list("recipient_id", "reminder_key"))
    assert len(keys) == len(set(keys))


def test_email_sent_once_in_recipients_language(world, due):
    world.users["secretary"].language = "en"
    world.users["secretary"].save()
    deadlines.run_reminders(D(2027, 1, 12))  # tasks run in this process: mail goes at once
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert notifications.send_pending_emails(older_than_seconds=0) == 0
    english = [m for m in mail.outbox if m.to == ["secretary@example.org"]]
    chinese = [m for m in mail.outbox if m.to == ["committee_member@example.org"]]
    assert len(english) == len(chinese) == 1
    # Neutral: a link to the notification, never what it is about (see test_trust_edge).
    assert english[0].subject == "New notification on Party Affairs Disclosure Portal"
    assert chinese[0].subject == "党务公开平台有新通知"
    assert "第一党支部" not in english[0].body
    assert "/notifications/" in english[0].body


def test_outbox_sweep_sends_what_the_queue_missed(world, due, monkeypatch):
    monkeypatch.setattr(notifications, "enqueue_emails", lambda ids: None)  # broker lost
    from portal import deadlines as module

    monkeypatch.setattr(module, "enqueue_emails", lambda ids: None)
    deadlines.run_reminders(D(2027, 1, 12))
    # B1's secretary and committee member, B2's secretary; the general branch has none.
    waiting = Notification.objects.filter(emailed_at__isnull=True).count()
    assert waiting == 3 and len(mail.outbox) == 0
    assert notifications.send_pending_emails(older_than_seconds=0) == 3
    assert notifications.send_pending_emails(older_than_seconds=0) == 0
    assert len(mail.outbox) == 3


def test_notification_text_hides_item_from_reader_who_lost_access(world):
    from disclosure import services
    from portal.models import Membership

    item = world.item("approved")

    services.item_publish_internal(item_id=item.pk, actor=world.users["secretary"])
    note = Notification.objects.get(recipient=world.users["member"], kind="item.internal")
    assert item.title in notifications.render(note).body
    Membership.objects.filter(user=world.users["member"]).delete()
    member = type(world.users["member"]).objects.get(pk=world.users["member"].pk)
    note = Notification.objects.get(pk=note.pk)
    note.recipient = member
    text = notifications.render(note)
    assert item.title not in text.body + text.subject and text.url == ""


def test_workflow_notifications_reach_the_next_actor(world):
    item = world.item("submitted")
    assert kinds_for(world.users["reviewer"]) == ["item.submitted"]
    assert kinds_for(world.users["committee_reviewer"]) == []
    from disclosure import services

    services.item_approve(item_id=item.pk, actor=world.users["reviewer"],
                          confidentiality_checked=True)
    assert "item.approved" in kinds_for(world.users["secretary"])
    assert kinds_for(world.users["other_member"]) == []


def test_notification_page_marks_read_when_opened(world, client):
    world.item("submitted")
    client.force_login(world.users["reviewer"])
    page = client.get("/notifications/")
    assert page.context["unread_notifications"] == 1
    note = Notification.objects.get(recipient=world.users["reviewer"])
    response = client.post(f"/notifications/{note.pk}/")
    assert response.status_code == 302 and response.url.startswith("/items/")
    assert client.get("/").context["unread_notifications"] == 0


def test_other_peoples_notifications_answer_404(world, client):
    world.item("submitted")
    note = Notification.objects.get(recipient=world.users["reviewer"])
    client.force_login(world.users["member"])
    assert client.get(f"/notifications/{note.pk}/").status_code == 404
    assert client.post(f"/notifications/{note.pk}/").status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_escalation_on_the_day_the_delay_ends(world, due, settings):
    settings.ESCALATION_DELAY_DAYS = 5
    deadlines.run_reminders(D(2027, 1, 19))
    assert kinds_for(world.users["reviewer"]) == []
    deadlines.run_reminders(D(2027, 1, 20))
    assert kinds_for(world.users["reviewer"]) == ["obligation.escalated"] * 2
