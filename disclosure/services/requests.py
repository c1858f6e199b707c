"""依申请公开: a member applies for a party affair to be disclosed; the organization
discloses a published item to the applicant or to a role, or declines, and the answer is
filed with the parent organization."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from portal import deadlines, workflow
from portal.calendar import add_working_days
from portal.models import Organization, Role, User
from portal.notifications import notify
from portal.roles import role_group, role_holders

from ..models import PUBLISHED_STATES, DisclosureItem, DisclosureRequest
from ..permissions import may_apply
from ..visibility import GRANT_CODENAME
from .filings import parent_reviewers

Request = DisclosureRequest
# The answer chosen in the form → the step of the request's workflow.
ANSWERS = {
    Request.State.DISCLOSED_TO_APPLICANT: "disclose_to_applicant",
    Request.State.DISCLOSED_TO_SCOPE: "disclose_to_scope",
    Request.State.DECLINED: "decline",
}


def _officers(organization_id: int):
    return role_holders([organization_id], ["secretary", "committee"])


@transaction.atomic
def request_submit(*, organization: Organization, applicant: User, subject: str,
                   reason: str = "") -> Request:
    if not may_apply(applicant, organization):
        raise PermissionDenied
    subject = subject.strip()
    if len(subject) < 4:
        raise ValidationError({"subject": _("Say what you would like to be disclosed.")})
    request = workflow.create(Request(
        organization=organization, applicant=applicant, subject=subject[:200],
        reason=reason.strip()[:5000],
        due_date=add_working_days(timezone.localdate(), settings.REQUEST_ANSWER_DAYS),
    ), applicant, action="submit")
    notify(_officers(organization.pk), "request.received", target_id=request.pk)
    return request


@transaction.atomic
def request_answer(*, request_id: int, actor: User, decision: str, answer: str,
                   item: DisclosureItem | None = None, scope_role: str = "") -> Request:
    """Answer an application: disclose an item to the applicant alone, or to a role of the
    organization, or decline with an explanation. The answer is filed with the parent."""
    action = ANSWERS.get(decision, "decline")  # type: ignore[call-overload]
    request = workflow.begin(Request, request_id, action, actor)
    if decision not in ANSWERS:
        raise ValidationError({"decision": _("Choose an answer.")})
    answer = answer.strip()
    if len(answer) < 2:
        raise ValidationError({"answer": _("Write the answer to the applicant.")})
    changes: dict = {"answer": answer, "answered_by": actor}
    if action != "decline":
        if item is None or item.organization_id != request.organization_id or (
                item.state not in PUBLISHED_STATES):
            raise ValidationError({"item": _("Choose a published item of the organization.")})
        changes["item"] = item
        if action == "disclose_to_applicant":
            assign_perm(f"disclosure.{GRANT_CODENAME}", request.applicant, item)
        else:
            if scope_role not in Role.values:
                raise ValidationError({"scope_role": _("Choose to whom it is disclosed.")})
            assign_perm(f"disclosure.{GRANT_CODENAME}",
                        role_group(request.organization, scope_role), item)
            changes["scope_role"] = scope_role
    workflow.transition(Request, request_id, action, actor=actor, comment=answer,
                        changes=changes, obj=request)
    notify([request.applicant], "request.answered", target_id=request.pk)
    notify(parent_reviewers(request.organization), "request.filed", target_id=request.pk)
    return request


def pending_requests():
    return Request.objects.filter(state=Request.State.SUBMITTED,
                                  organization__is_active=True)


deadlines.register(deadlines.DeadlineSource(name="request", pending=pending_requests))

__all__ = ["request_answer", "request_submit"]
