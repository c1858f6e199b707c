"""暂不公开备案: an obligation that cannot be disclosed for now, filed with the parent
organization, whose reviewers acknowledge or return it.

A filing says until when: a date after the day it is filed, a condition, or both. An
acknowledged filing whose date has passed lapses (the daily ``lapse_due_filings``, as the
system); the organization may end one by hand (the only way for a filing with a condition
alone). Either way the obligation is due again: open, due the catalog entry's working days
after that day, so that the reminders take it up again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from portal import workflow
from portal.calendar import add_working_days
from portal.models import Organization, User
from portal.notifications import notify
from portal.roles import reviewers_of, role_holders
from portal.workflow import TransitionError

from ..models import NonDisclosureFiling, Obligation
from ..permissions import can_file

logger = logging.getLogger(__name__)
Filing = NonDisclosureFiling
DECISIONS = ("acknowledge", "return")


def parent_reviewers(org: Organization):
    """The reviewers a filing goes to: the parent's, or the organization's own at the top
    of the tree."""
    return reviewers_of(org)


def validate_deferral(until: dt.date | None, condition: str,
                      today: dt.date | None = None) -> None:
    """Raise ``ValidationError`` unless the filing says until when: a date after
    ``today``, a condition, or both."""
    today = today or timezone.localdate()
    limit = Filing._meta.get_field("condition").max_length or 0
    if until is None and not condition:
        raise ValidationError(_("Say until when it cannot be disclosed: a date, a condition "
                                "(such as the conclusion of a disciplinary review), or both."))
    if until is not None and until <= today:
        shown = formats.date_format(today, "DATE_FORMAT")
        raise ValidationError({"until": _(
            "A deferral that would end before it starts cannot be filed: the date must be "
            "after today (%(today)s).") % {"today": shown}})
    if len(condition) > limit:
        raise ValidationError({"condition": _(
            "The condition can have at most %(limit)s characters.") % {"limit": limit}})


@transaction.atomic
def filing_submit(*, obligation_id: int, actor: User, reason: str,
                  until: dt.date | None = None, condition: str = "") -> Filing:
    """File with the parent organization why an obligation cannot be disclosed for now,
    and until when (a date after today, a condition, or both)."""
    obligation = Obligation.objects.select_for_update(of=("self",)).select_related(
        "organization").get(pk=obligation_id)
    if not can_file(actor, obligation):
        raise PermissionDenied
    if not obligation.is_pending:
        raise TransitionError(_("Only a pending obligation can be filed as not disclosable."))
    if obligation.filings.filter(state=Filing.State.FILED).exists():
        raise TransitionError(_("A filing for this obligation is already awaiting "
                                "acknowledgement."))
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("Explain why it cannot be disclosed for now.")})
    condition = condition.strip()
    validate_deferral(until, condition)
    filing = workflow.create(Filing(obligation=obligation, reason=reason, until=until,
                                    condition=condition, filed_by=actor),
                             actor, action="file", comment=reason)
    notify(parent_reviewers(obligation.organization), "filing.received", target_id=filing.pk)
    return filing


def _officers(filing: Filing):
    return role_holders([filing.obligation.organization_id], ["secretary", "committee"])


def _tell_officers(filing: Filing) -> None:
    notify(_officers(filing), "filing.decided", target_id=filing.pk)


@transaction.atomic
def filing_acknowledge(*, filing_id: int, actor: User, comment: str = "") -> Filing:
    """The parent acknowledges: the obligation counts as filed, no longer due or overdue,
    until the filing lapses or is ended."""
    filing = workflow.decide(Filing, filing_id, approve=True, actor=actor, comment=comment,
                             reason_required="", actions=DECISIONS)
    obligation = Obligation.objects.select_for_update().get(pk=filing.obligation_id)
    if obligation.is_pending:
        workflow.save(obligation, actor, {"state": Obligation.State.FILED})
    _tell_officers(filing)
    return filing


@transaction.atomic
def filing_return(*, filing_id: int, actor: User, comment: str) -> Filing:
    """The parent does not accept the reason: the obligation stays due, and the reason
    for returning is shown to the organization."""
    filing = workflow.decide(Filing, filing_id, approve=False, actor=actor, comment=comment,
                             reason_required=_("Say why the filing is returned."),
                             actions=DECISIONS)
    _tell_officers(filing)
    return filing


def _due_again(filing: Filing, actor: User | None, day: dt.date, reason: str) -> None:
    """Make the filed obligation due again from ``day``: open, due the entry's working
    days after it. An obligation that is no longer filed is left as it is."""
    obligation = (Obligation.objects.select_for_update(of=("self",)).select_related("entry")
                  .get(pk=filing.obligation_id))
    if obligation.state != Obligation.State.FILED:
        logger.info("obligation %s of filing %s is %s, not filed: left as it is",
                    obligation.pk, filing.pk, obligation.state)
        return
    workflow.save(obligation, actor, {
        "state": Obligation.State.OPEN,
        "due_date": add_working_days(day, obligation.entry.due_days),
    }, reason=reason)


@transaction.atomic
def filing_lapse(*, filing_id: int, today: dt.date | None = None) -> Filing | None:
    """Lapse an acknowledged filing whose date has passed, as the system: the obligation
    is due again from ``today`` and the organization's officers are told. Return None when
    there is nothing to do (not acknowledged, no date, or the date has not passed)."""
    today = today or timezone.localdate()
    filing = workflow.lock(Filing, filing_id)
    if (not Filing.workflow.state_allows(filing, "lapse") or filing.until is None
            or filing.until >= today):
        return None
    workflow.transition(Filing, filing_id, "lapse", actor=None, obj=filing)
    _due_again(filing, None, today, _("Due again: the non-disclosure filing lapsed"))
    notify(_officers(filing), "filing.lapsed", target_id=filing.pk)
    return filing


def lapse_due_filings(today: dt.date | None = None, *, batch: int = 200) -> int:
    """Lapse every acknowledged filing whose date has passed; return how many. Each filing
    lapses in its own transaction after being locked and re-checked, so a second run, or
    one after a run killed half-way, lapses nothing twice."""
    today = today or timezone.localdate()
    lapsed = 0
    while True:
        ids = list(Filing.objects.filter(state=Filing.State.ACKNOWLEDGED, until__lt=today)
                   .order_by("until", "pk").values_list("pk", flat=True)[:batch])
        done = sum(1 for pk in ids if filing_lapse(filing_id=pk, today=today) is not None)
        lapsed += done
        if len(ids) < batch or not done:
            return lapsed


@transaction.atomic
def filing_end(*, filing_id: int, actor: User, comment: str = "") -> Filing:
    """The organization ends an acknowledged filing (its condition has been met, or the
    reason no longer holds before its date): the obligation is due again from today."""
    filing = workflow.transition(Filing, filing_id, "end", actor=actor,
                                 comment=comment.strip())
    _due_again(filing, actor, timezone.localdate(),
               _("Due again: the non-disclosure filing was ended"))
    return filing


__all__ = ["filing_acknowledge", "filing_end", "filing_lapse", "filing_return",
           "filing_submit", "lapse_due_filings", "validate_deferral"]
