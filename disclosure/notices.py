"""Notifications about items, obligations and the records around them. Their texts are
the templates ``templates/notifications/<kind>.txt``, rendered in the recipient's language
when read, after loading the target through the record's permission home: a person who lost
access reads a neutral sentence with no title and no link.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
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
    Review,
    WorkPlan,
)
from .permissions import can_file
from .visibility import can_see_workflow

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
            "returned": filing.state == NonDisclosureFiling.State.RETURNED,
            "until": _date(filing.until) if filing.until else "",
            "due": _date(filing.obligation.due_date)}


def _item_values(item: DisclosureItem) -> dict:
    return {"title": item.title, "org": item.organization.name}


def _with_return_reason(items: QuerySet) -> QuerySet:
    """Add the comment of the item's latest return, in the loading query."""
    latest = Review.objects.filter(item=OuterRef("pk"), action=Review.Action.RETURN)
    return items.annotate(return_reason=Subquery(
        latest.order_by("-created_at", "-pk").values("comment")[:1]))


def _return_reason(item: DisclosureItem, notification) -> dict:
    """The reviewer's reason, for readers of the item's workflow only (the review trail's
    readers): a former officer who now reads the published item as a member does not."""
    if not can_see_workflow(notification.recipient, item):
        return {"reason": ""}
    return {"reason": getattr(item, "return_reason", "") or ""}


register_texts(DisclosureItem, [f"item.{step}" for step in (
    "submitted", "approved", "internal", "public")], _item_values)
register_texts(DisclosureItem, ["item.returned"], _item_values,
               annotate=_with_return_reason, reader_values=_return_reason)
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
                          "reason": r.deferral_reason,
                          "declined": r.state == DisclosureRequest.State.DECLINED,
                          "answer": r.answer})
# The readers of a change request read its item's workflow or decide it (visible_changes),
# so the item's title and the approver's reason are theirs to read.
register_texts(ChangeRequest, ["change.requested", "change.decided"],
               lambda c: {"org": c.item.organization.name, "kind": c.get_kind_display(),
                          "title": c.item.title, "state": c.get_state_display(),
                          "reason": c.comment if c.state == ChangeRequest.State.REJECTED
                          else ""})
register_texts(WorkPlan, ["workplan.submitted", "workplan.decided"],
               lambda p: {"org": p.organization.name, "title": p.title,
                          "state": p.get_state_display(),
                          "reason": p.comment if p.state == WorkPlan.State.REJECTED else ""})
