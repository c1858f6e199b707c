"""限期整改: who orders, who responds, who verifies; wrong states; deadlines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from feedback import services as feedback_services
from feedback.models import RectificationOrder
from portal import deadlines
from portal.models import Notification, Reminder
from portal.workflow import TransitionError

pytestmark = pytest.mark.django_db
State = RectificationOrder.State


def order(world, actor="supervisor", days=10):
    return feedback_services.rectification_order(
        organization=world.branch,
        actor=world.users[actor],
        finding="党费公开未列明细。",
        requirement="补充明细后重新公开。",
        due_date=timezone.localdate() + dt.timedelta(days=days),
    )


def respond(world, made, actor="secretary", response="已整改完成。"):
    return feedback_services.rectification_respond(
        order_id=made.pk, actor=world.users[actor], response=response
    )


def verify(world, made, actor="supervisor", accept=True, **fields):
    return feedback_services.rectification_verify(
        order_id=made.pk, actor=world.users[actor], accept=accept, **fields
    )


def test_supervisor_orders_secretary_responds_supervisor_closes(world):
    made = order(world)
    assert Notification.objects.filter(
        recipient=world.users["secretary"], kind="rectification.ordered"
    ).exists()
    respond(world, made, response="已补充明细并重新公开。")
    verify(world, made)
    made.refresh_from_db()
    assert made.state == State.CLOSED and made.closed_at is not None


def test_send_back_needs_a_reason_and_reopens(world):
    made = order(world, actor="reviewer")
    respond(world, made)
    with pytest.raises(TransitionError):
        verify(world, made, actor="reviewer", accept=False)
    verify(world, made, actor="reviewer", accept=False, comment="仍缺少三季度数据。")
    assert RectificationOrder.objects.get(pk=made.pk).state == State.SENT_BACK


def test_wrong_actors_and_states(world):
    for who in ("secretary", "member", "branch_supervisor", "other_secretary"):
        with pytest.raises(PermissionDenied):
            order(world, actor=who)
    with pytest.raises(ValidationError):
        order(world, days=0)
    made = order(world)
    with pytest.raises(PermissionDenied):
        respond(world, made, actor="member", response="整改完成了")
    with pytest.raises(TransitionError):
        verify(world, made)
    respond(world, made, response="整改完成了")
    with pytest.raises(PermissionDenied):
        verify(world, made, actor="secretary")


def test_deadline_reminders_and_escalation(world):
    made = order(world, days=2)
    deadlines.run_reminders(made.due_date + dt.timedelta(days=10), names=["rectification"])
    assert set(Reminder.objects.filter(source="rectification").values_list("stage", flat=True)) == {
        "overdue",
        "escalated",
    }


def test_pages_for_each_role(world):
    sup = Client()
    sup.force_login(world.users["supervisor"])
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = sup.post(
        "/rectification/new/?org=B1", {"finding": "公开不及时，需整改。", "due_date": due}
    )
    made = RectificationOrder.objects.get()
    assert response.url == f"/rectification/{made.pk}/"
    sec = Client()
    sec.force_login(world.users["secretary"])
    assert "respond" in sec.get(f"/rectification/{made.pk}/").context["actions"]
    sec.post(f"/rectification/{made.pk}/respond/", {"text": "已按要求整改。"})
    sup.post(f"/rectification/{made.pk}/close/", {"text": "核查属实"})
    assert RectificationOrder.objects.get().state == State.CLOSED
    other = Client()
    other.force_login(world.users["other_secretary"])
    assert other.get(f"/rectification/{made.pk}/").status_code == 404
    assert other.get("/rectification/new/?org=B1").status_code == 404
