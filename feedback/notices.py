"""Notifications about feedback and rectification orders. Their texts are the templates
``templates/notifications/<kind>.txt``, rendered in the reader's language after loading the
target through its permission home."""

from __future__ import annotations

from django.utils import formats

from portal.models import Reminder
from portal.notifications import register_texts

from .models import Feedback, RectificationOrder

STAGES = Reminder.Stage.values  # the reminder stages of every deadline


def _due(target) -> str:
    return formats.date_format(target.due_date, "DATE_FORMAT")


register_texts(Feedback, ["feedback.received", "feedback.answered", "feedback.reopened",
                          *(f"feedback.{stage}" for stage in STAGES)],
               lambda f: {"org": f.organization.name, "code": f.tracking_code, "due": _due(f)})
register_texts(Feedback, ["objection.received"],
               lambda f: {"org": f.organization.name, "code": f.tracking_code, "due": _due(f),
                          "title": f.item.title if f.item_id else ""})
register_texts(RectificationOrder, [
    "rectification.ordered", "rectification.responded", "rectification.verified",
    *(f"rectification.{stage}" for stage in STAGES)],
    lambda o: {"org": o.organization.name, "due": _due(o)})
