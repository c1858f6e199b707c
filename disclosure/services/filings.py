"""暂不公开备案: an obligation that cannot be disclosed for now, filed with the parent
organization, whose reviewers acknowledge or return it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import workflow
from portal.models import Organization, User
from portal.notifications import notify
from portal.roles import role_holders
from portal.workflow import TransitionError

from ..models import NonDisclosureFiling, Obligation
from ..permissions import can_file

Filing = NonDisclosureFiling
DECISIONS = ("acknowledge", "return")


def parent_reviewers(org: Organization):
    return role_holders([org.parent_id] if org.parent_id else [], ["reviewer"])


@transaction.atomic
def filing_submit(*, obligation_id: int, actor: User, reason: str) -> Filing:
    """File with the parent organization why an obligation cannot be disclosed for now."""
    obligation = Obligation.objects.select_for_update(of=("self",)).select_related(
        "organization").get(pk=obligation_id)
    if not can_file(actor, obligation):
        raise PermissionDenied
    if not obligation.is_pending:
        raise TransitionError(_("Only a pending obligation can be filed as not disclosable."))
    if obligation.organization.parent_id is None:
        raise TransitionError(_("This organization has no parent organization to file with."))
    if obligation.filings.filter(state=Filing.State.FILED).exists():
        raise TransitionError(_("A filing for this obligation is already awaiting "
                                "acknowledgement."))
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("Explain why it cannot be disclosed for now.")})
    filing = workflow.create(Filing(obligation=obligation, reason=reason, filed_by=actor),
                             actor, action="file", comment=reason)
    notify(parent_reviewers(obligation.organization), "filing.received", target_id=filing.pk)
    return filing


def _tell_officers(filing: Filing) -> None:
    notify(role_holders([filing.obligation.organization_id], ["secretary", "committee"]),
           "filing.decided", target_id=filing.pk)


@transaction.atomic
def filing_acknowledge(*, filing_id: int, actor: User, comment: str = "") -> Filing:
    """The parent acknowledges: the obligation counts as filed, no longer due or overdue."""
    filing = workflow.decide(Filing, filing_id, approve=True, actor=actor, comment=comment,
                             reason_required="", actions=DECISIONS)
    obligation = Obligation.objects.select_for_update().get(pk=filing.obligation_id)
    if obligation.is_pending:
        workflow.save(obligation, actor, {"state": Obligation.State.FILED})
    _tell_officers(filing)
    return filing


@transaction.atomic
def filing_return(*, filing_id: int, actor: User, comment: str) -> Filing:
    """The parent does not accept the reason: the obligation stays due."""
    filing = workflow.decide(Filing, filing_id, approve=False, actor=actor, comment=comment,
                             reason_required=_("Say why the filing is returned."),
                             actions=DECISIONS)
    _tell_officers(filing)
    return filing

__all__ = ["filing_acknowledge", "filing_return", "filing_submit"]
