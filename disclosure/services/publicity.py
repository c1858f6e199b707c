"""公示: the display period of a short-term item, the objections raised during it and the
result recorded when it ends.

The period runs from the release to the item's widest audience to ``display_until`` and
cannot be cut short: only the scheduler's expiry after it ends the 公示 (then
:func:`publicity_end` runs in the same transaction). Without an objection the scheduler
records "no objection"; with objections the organization records its conclusion once every
one of them has been handled (:func:`publicity_conclude`), and is reminded until it has.

Objections are kept by the feedback app, which this app does not import: it registers a
tally (:func:`register_objections`) that says, for an item, how many were raised and how
many are still being handled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from portal import deadlines, workflow
from portal.calendar import add_working_days
from portal.models import User
from portal.notifications import notify
from portal.roles import role_holders
from portal.workflow import TransitionError

from ..models import DisclosureItem, PublicityResult, awaiting_conclusion_q


@dataclass(frozen=True)
class Objections:
    """The objections raised against one item: how many, and how many are still open
    (neither replied, closed nor refused)."""

    raised: int = 0
    unhandled: int = 0


ObjectionTally = Callable[[int], Objections]
_tallies: list[ObjectionTally] = []


def register_objections(tally: ObjectionTally) -> None:
    """Register where objections are kept: ``tally(item_id)`` counts them."""
    if tally not in _tallies:
        _tallies.append(tally)


def objections_on(item_id: int) -> Objections:
    """Return the objections raised against the item, over every registered tally."""
    counts = [tally(item_id) for tally in _tallies]
    return Objections(sum(c.raised for c in counts), sum(c.unhandled for c in counts))


def conclusion_due(item: DisclosureItem) -> dt.date:
    """Return the day the organization's conclusion is due: as many working days after the
    period as an objection raised on its last day has for its reply."""
    assert item.display_until is not None
    return add_working_days(item.display_until, settings.FEEDBACK_REPLY_DAYS)


def _officers(item: DisclosureItem):
    return role_holders([item.organization_id], ["secretary", "committee"])


def publicity_end(item: DisclosureItem) -> DisclosureItem | None:
    """Record the end of an expired item's 公示, inside the expiry's transaction (the item is
    locked): "no objection" if none was raised; otherwise the day the organization's
    conclusion is due, and a notice to its secretaries. Returns None when there is nothing
    to record (not a 公示, or recorded already), so a rerun records nothing twice."""
    if not item.awaits_publicity_result or item.display_until is None:
        return None
    if not objections_on(item.pk).raised:
        return workflow.transition(
            DisclosureItem, item.pk, "no_objection", actor=None, obj=item,
            changes={"publicity_result": PublicityResult.NO_OBJECTION})
    due = conclusion_due(item)
    workflow.save(item, None, {"publicity_conclusion_due": due},
                  reason=_("Publicity period ended with objections; conclusion due %(due)s")
                  % {"due": formats.date_format(due, "DATE_FORMAT")})
    notify(_officers(item), "publicity.objections", target_id=item.pk)
    return item


@transaction.atomic
def publicity_conclude(*, item_id: int, actor: User, conclusion: str,
                       confidentiality_checked: bool) -> DisclosureItem:
    """Record the organization's conclusion on the objections raised against a 公示 whose
    period has ended, once every objection has been handled: the result "objections
    handled" and the conclusion, published with the item to its readers (the public too,
    for a public item).

    The conclusion is text that reaches the item's readers, so it gets the second look the
    item's text had: the one recording it attests the confidentiality check (保密审查), and
    the item's trail records the attestation."""
    item = workflow.lock(DisclosureItem, item_id)
    if not workflow.has_right(actor, item, "conclude_publicity"):
        raise PermissionDenied
    if item.publicity_running:
        raise TransitionError(_("The publicity period cannot be cut short: the result is "
                                "recorded after it has ended."))
    if item.publicity_result:
        raise TransitionError(_("The result of this publicity period has been recorded "
                                "already."))
    conclusion = (conclusion or "").strip()

    def validate(locked: DisclosureItem) -> None:
        if not conclusion:
            raise TransitionError(_("Write the conclusion on the objections; it is "
                                    "published with the item."))
        if not confidentiality_checked:
            raise TransitionError(_("Publishing the conclusion requires attesting that the "
                                    "confidentiality check was done."))
        open_count = objections_on(locked.pk).unhandled
        if open_count:
            raise TransitionError(_(
                "%(count)s objection(s) are still being handled. Reply to, close or decline "
                "every objection before recording the conclusion.") % {"count": open_count})

    return workflow.transition(
        DisclosureItem, item_id, "conclude_publicity", actor=actor, obj=item,
        comment=conclusion, validate=validate, event={"confidentiality_checked": True},
        changes={"publicity_result": PublicityResult.OBJECTIONS_HANDLED,
                 "publicity_conclusion": conclusion, "publicity_concluded_by": actor})


def items_awaiting_conclusion() -> QuerySet[DisclosureItem]:
    """Return the expired 公示 items whose conclusion on objections is missing, with the
    day it is due as ``due_date`` (what the reminder machinery reads)."""
    return DisclosureItem.objects.filter(
        awaiting_conclusion_q(), organization__is_active=True,
    ).annotate(due_date=F("publicity_conclusion_due"))


# Until the conclusion is recorded, the organization's secretaries and committee members are
# reminded (due soon, overdue), then the parent's reviewers and the supervisors (escalated).
deadlines.register(deadlines.DeadlineSource(name="publicity",
                                            pending=items_awaiting_conclusion))

__all__ = [
    "Objections", "conclusion_due", "items_awaiting_conclusion", "objections_on",
    "publicity_conclude", "publicity_end", "register_objections",
]
