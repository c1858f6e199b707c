"""Notifications about items, obligations and the records around them. Their texts are
the templates ``templates/notifications/<kind>.txt``, rendered in the recipient's language
when read, after loading the target through the record's permission home: a person who lost
access reads a neutral sentence with no title and no link.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats

from portal.models import Reminder
from portal.notifications import register_texts

from .models import (
    ChangeRequest,
    DisclosureItem,
    DisclosureRequest,
    NonDisclosureFiling,
    Obligation,
    WorkPlan,
)
from .permissions import can_file

STAGES = Reminder.Stage.values  # the reminder stages of every deadline


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _obligation_url(obligation: Obligation, notification) -> str:
    """Officers go to the prepared draft (or their workspace); others get no link."""
    if not can_file(notification.recipient, obligation):
        return ""
    if obligation.draft_id:
        return reverse("disclosure:item_detail", args=[obligation.draft_id])
    return reverse("disclosure:workspace") + f"?org={obligation.organization.code}"


def _filing_values(filing: NonDisclosureFiling) -> dict:
    return {"org": filing.obligation.organization.name, "entry": filing.obligation.entry.title,
            "state": filing.get_state_display(), "comment": filing.comment,
            "until": _date(filing.until) if filing.until else "",
            "due": _date(filing.obligation.due_date)}


register_texts(DisclosureItem, [f"item.{step}" for step in (
    "submitted", "approved", "returned", "internal", "public")],
    lambda item: {"title": item.title, "org": item.organization.name})
# A 公示 that ended with objections: its conclusion is due, then overdue, then escalated.
register_texts(DisclosureItem, ["publicity.objections", *(f"publicity.{stage}" for stage in
                                                          STAGES)],
               lambda item: {"title": item.title, "org": item.organization.name,
                             "due": _date(item.publicity_conclusion_due)
                             if item.publicity_conclusion_due else ""})
register_texts(Obligation, [f"obligation.{stage}" for stage in STAGES],
               lambda o: {"org": o.organization.name, "entry": o.entry.title,
                          "due": _date(o.due_date), "period": _date(o.period_start)},
               _obligation_url)
register_texts(NonDisclosureFiling, ["filing.received", "filing.decided", "filing.lapsed"],
               _filing_values)
register_texts(DisclosureRequest, ["request.received", "request.answered", "request.filed",
                                   "request.deferred", "request.due_again",
                                   *(f"request.{stage}" for stage in STAGES)],
               lambda r: {"org": r.organization.name, "subject": r.subject,
                          "state": r.get_state_display(), "due": _date(r.due_date),
                          "until": _date(r.deferred_until) if r.deferred_until else "",
                          "reason": r.deferral_reason})
register_texts(ChangeRequest, ["change.requested", "change.decided"],
               lambda c: {"org": c.item.organization.name, "kind": c.get_kind_display(),
                          "state": c.get_state_display()})
register_texts(WorkPlan, ["workplan.submitted", "workplan.decided"],
               lambda p: {"org": p.organization.name, "title": p.title,
                          "state": p.get_state_display()})
