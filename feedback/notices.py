"""Notifications about feedback and rectification orders. Their texts are the templates
``templates/notifications/<kind>.txt``, rendered in the reader's language after loading the
target through its permission home."""

from __future__ import annotations

from django.utils import formats
from django.utils.text import Truncator

from disclosure.visibility import can_view
from portal.models import Reminder
from portal.notifications import register_texts

from .models import Feedback, RectificationOrder

STAGES = Reminder.Stage.values  # the reminder stages of every deadline


def _due(target) -> str:
    return formats.date_format(target.due_date, "DATE_FORMAT")


def _feedback_values(feedback: Feedback) -> dict:
    rejected = feedback.state == Feedback.State.REJECTED
    return {"org": feedback.organization.name, "code": feedback.tracking_code,
            "due": _due(feedback), "rejected": rejected,
            "reason": feedback.rejection_reason if rejected else ""}


def _item_title(feedback: Feedback, notification) -> dict:
    """The title of the item the feedback is about, for a reader who may see the item."""
    item = feedback.item
    shown = item is not None and can_view(notification.recipient, item)
    return {"title": item.title if shown else ""}  # type: ignore[union-attr]


def _order_values(order: RectificationOrder) -> dict:
    sent_back = order.state == RectificationOrder.State.SENT_BACK
    return {"org": order.organization.name, "due": _due(order),
            "finding": Truncator(order.finding).chars(40), "sent_back": sent_back,
            "reason": order.verification if sent_back else ""}


register_texts(Feedback, ["feedback.received", "feedback.answered", "feedback.declined",
                          "feedback.reopened",
                          *(f"feedback.{stage}" for stage in STAGES)],
               _feedback_values, reader_values=_item_title)
register_texts(Feedback, ["objection.received"],
               lambda f: {"org": f.organization.name, "code": f.tracking_code, "due": _due(f),
                          "title": f.item.title if f.item_id else ""})
register_texts(RectificationOrder, [
    "rectification.ordered", "rectification.responded", "rectification.verified",
    *(f"rectification.{stage}" for stage in STAGES)], _order_values)
