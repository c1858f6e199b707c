"""暂不公开备案 and 依申请公开: the exceptions around publication, each decision filed with
the parent organization."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from portal import deadlines
from portal.calendar import add_working_days
from portal.models import Organization, Role, User
from portal.notifications import notify
from portal.roles import has_org_perm, org_ids_with, role_group, role_holders

from .errors import TransitionError
from .models import (
    PUBLISHED_STATES,
    DisclosureItem,
    DisclosureRequest,
    NonDisclosureFiling,
    Obligation,
)
from .visibility import GRANT_CODENAME

Filing = NonDisclosureFiling
Request = DisclosureRequest


def _parent_reviewers(org: Organization):
    return role_holders([org.parent_id] if org.parent_id else [], ["reviewer"])


@transaction.atomic
def file_non_disclosure(*, obligation_id: int, actor: User, reason: str) -> Filing:
    """File with the parent organization why an obligation cannot be disclosed for now."""
    obligation = Obligation.objects.select_for_update().select_related(
        "organization").get(pk=obligation_id)
    if not has_org_perm(actor, "publish", obligation.organization):
        raise PermissionDenied
    if obligation.state not in (Obligation.State.OPEN, Obligation.State.OVERDUE):
        raise TransitionError(_("Only a pending obligation can be filed as not disclosable."))
    if obligation.organization.parent_id is None:
        raise TransitionError(_("This organization has no parent organization to file with."))
    if obligation.filings.filter(state=Filing.State.FILED).exists():
        raise TransitionError(_("A filing for this obligation is already awaiting "
                                "acknowledgement."))
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("Explain why it cannot be disclosed for now.")})
    filing = Filing(obligation=obligation, reason=reason, filed_by=actor)
    filing._history_user = actor  # type: ignore[attr-defined]
    filing.save()
    notify(_parent_reviewers(obligation.organization), "filing.received", target_id=filing.pk)
    return filing


def _decide(filing_id: int, actor: User) -> Filing:
    filing = Filing.objects.select_for_update(of=("self",)).select_related(
        "obligation", "obligation__organization").get(pk=filing_id)
    if not has_org_perm(actor, "review", filing.obligation.organization.parent_id):
        raise PermissionDenied
    if filing.state != Filing.State.FILED:
        raise TransitionError(_("This filing has been decided already."))
    filing._history_user = actor  # type: ignore[attr-defined]
    filing.decided_by, filing.decided_at = actor, timezone.now()
    return filing


@transaction.atomic
def acknowledge_filing(*, filing_id: int, actor: User, comment: str = "") -> Filing:
    """The parent acknowledges: the obligation counts as filed, no longer due or overdue."""
    filing = _decide(filing_id, actor)
    filing.state, filing.comment = Filing.State.ACKNOWLEDGED, comment.strip()
    filing.save(update_fields=["state", "comment", "decided_by", "decided_at"])
    obligation = Obligation.objects.select_for_update().get(pk=filing.obligation_id)
    if obligation.state in (Obligation.State.OPEN, Obligation.State.OVERDUE):
        obligation.state = Obligation.State.FILED
        obligation._history_user = actor  # type: ignore[attr-defined]
        obligation.save(update_fields=["state"])
    notify(role_holders([obligation.organization_id], ["secretary", "committee"]),
           "filing.decided", target_id=filing.pk)
    return filing


@transaction.atomic
def return_filing(*, filing_id: int, actor: User, comment: str) -> Filing:
    """The parent does not accept the reason: the obligation stays due."""
    filing = _decide(filing_id, actor)
    if not comment.strip():
        raise TransitionError(_("Say why the filing is returned."))
    filing.state, filing.comment = Filing.State.RETURNED, comment.strip()
    filing.save(update_fields=["state", "comment", "decided_by", "decided_at"])
    notify(role_holders([filing.obligation.organization_id], ["secretary", "committee"]),
           "filing.decided", target_id=filing.pk)
    return filing


def may_apply(user: User, organization: Organization) -> bool:
    """Members apply to their own organization or to one above it."""
    own = org_ids_with(user, "view_internal")
    return Organization.objects.filter(pk__in=own, path__startswith=organization.path).exists()


@transaction.atomic
def request_submit(*, organization: Organization, applicant: User, subject: str,
                   reason: str = "") -> Request:
    if not may_apply(applicant, organization):
        raise PermissionDenied
    subject = subject.strip()
    if len(subject) < 4:
        raise ValidationError({"subject": _("Say what you would like to be disclosed.")})
    request = Request(
        organization=organization, applicant=applicant, subject=subject[:200],
        reason=reason.strip()[:5000],
        due_date=add_working_days(timezone.localdate(), settings.REQUEST_ANSWER_DAYS),
    )
    request._history_user = applicant  # type: ignore[attr-defined]
    request.save()
    notify(role_holders([organization.pk], ["secretary", "committee"]), "request.received",
           target_id=request.pk)
    return request


@transaction.atomic
def request_answer(*, request_id: int, actor: User, decision: str, answer: str,
                   item: DisclosureItem | None = None, scope_role: str = "") -> Request:
    """Answer an application: disclose an item to the applicant alone, or to a role of the
    organization, or decline with an explanation. The answer is filed with the parent."""
    request = Request.objects.select_for_update(of=("self",)).select_related(
        "organization", "applicant").get(pk=request_id)
    if not has_org_perm(actor, "publish", request.organization):
        raise PermissionDenied
    if request.state != Request.State.SUBMITTED:
        raise TransitionError(_("This application has been answered already."))
    answer = answer.strip()
    if len(answer) < 2:
        raise ValidationError({"answer": _("Write the answer to the applicant.")})
    if decision in (Request.State.DISCLOSED_TO_APPLICANT, Request.State.DISCLOSED_TO_SCOPE):
        if item is None or item.organization_id != request.organization_id or (
                item.status not in PUBLISHED_STATES):
            raise ValidationError({"item": _("Choose a published item of the organization.")})
        request.item = item
        if decision == Request.State.DISCLOSED_TO_APPLICANT:
            assign_perm(f"disclosure.{GRANT_CODENAME}", request.applicant, item)
        else:
            if scope_role not in Role.values:
                raise ValidationError({"scope_role": _("Choose to whom it is disclosed.")})
            assign_perm(f"disclosure.{GRANT_CODENAME}",
                        role_group(request.organization, scope_role), item)
            request.scope_role = scope_role
    elif decision != Request.State.DECLINED:
        raise ValidationError({"decision": _("Choose an answer.")})
    request.state, request.answer = decision, answer
    request.answered_by, request.answered_at = actor, timezone.now()
    request._history_user = actor  # type: ignore[attr-defined]
    request.save()
    notify([request.applicant], "request.answered", target_id=request.pk)
    notify(_parent_reviewers(request.organization), "request.filed", target_id=request.pk)
    return request


def pending_requests():
    return Request.objects.filter(state=Request.State.SUBMITTED,
                                  organization__is_active=True)


deadlines.register(deadlines.DeadlineSource(
    name="request",
    pending=pending_requests,
    lock=lambda pk: pending_requests().select_for_update(of=("self",)).select_related(
        "organization").filter(pk=pk).first(),
    organization=lambda request: request.organization,
    owners=lambda request: role_holders([request.organization_id], ["secretary", "committee"]),
))
