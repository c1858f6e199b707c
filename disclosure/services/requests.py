"""依申请公开: a member applies for a party affair to be disclosed; the organization answers
in one of four ways, and every answer is filed with the reviewers of its work (the parent's,
or its own at the top of the tree):

- it discloses a new matter: a draft item made for the application, to the applicant alone
  or to the item's own intra-party audience, reviewed like any item; the application is
  answered when the item is published within the party (:func:`request_complete`);
- it hands over an item already published, to the applicant alone or to a role;
- it defers the disclosure (暂缓公开) until a date, with the reason; on that date the
  application is due again (:func:`resume_deferred_requests`, daily);
- it declines, with the reason.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from catalog.models import CatalogEntry, PartyAudience, PublicAudience
from portal import deadlines, workflow
from portal.calendar import add_working_days
from portal.models import Organization, User
from portal.notifications import notify
from portal.roles import reviewers_of, role_group, role_holders

from ..models import PUBLISHED_STATES, DisclosureItem, DisclosureRequest
from ..permissions import may_apply
from ..visibility import GRANT_CODENAME, PARTY_ROLES
from .items import item_create

Request = DisclosureRequest
# The answer chosen in the form → the step of the request's workflow.
ANSWERS = {
    Request.State.DISCLOSED_TO_APPLICANT: "disclose_to_applicant",
    Request.State.DISCLOSED_TO_SCOPE: "disclose_to_scope",
    Request.State.DEFERRED: "defer",
    Request.State.DECLINED: "decline",
}
# Whom a new matter drafted as the answer reaches: the applicant alone, or the item's own
# intra-party audience (the organization's members, its subtree, or a named range).
FOR_APPLICANT = "applicant"
REACHES = (FOR_APPLICANT, *PartyAudience.values)


def _officers(organization_id: int):
    return role_holders([organization_id], ["secretary", "committee"])


def _file(request: Request) -> None:
    """File an answer with the reviewers of the organization's work."""
    notify(reviewers_of(request.organization), "request.filed", target_id=request.pk)


def _grant_to_applicant(request: Request, item: DisclosureItem) -> None:
    assign_perm(f"disclosure.{GRANT_CODENAME}", request.applicant, item)


@transaction.atomic
def request_submit(*, organization: Organization, applicant: User, subject: str,
                   reason: str = "") -> Request:
    if not may_apply(applicant, organization):
        raise PermissionDenied
    subject, reason = subject.strip(), reason.strip()
    if len(subject) < 4:
        raise ValidationError({"subject": _("Say what you would like to be disclosed.")})
    for field, text, limit in (("subject", subject, 200), ("reason", reason, 5000)):
        if len(text) > limit:  # refused, never cut: the applicant decides what to leave out
            raise ValidationError({field: MaxLengthValidator(limit).message % {
                "limit_value": limit, "show_value": len(text)}})
    request = workflow.create(Request(
        organization=organization, applicant=applicant, subject=subject, reason=reason,
        due_date=add_working_days(timezone.localdate(), settings.REQUEST_ANSWER_DAYS),
    ), applicant, action="submit")
    notify(_officers(organization.pk), "request.received", target_id=request.pk)
    return request


@transaction.atomic
def request_answer(*, request_id: int, actor: User, decision: str, answer: str,
                   item: DisclosureItem | None = None, scope_role: str = "",
                   deferred_until: dt.date | None = None) -> Request:
    """Answer an application at once: hand over a published item to the applicant alone
    or to a role of the organization, defer the disclosure until a date in the future
    (``answer`` is the reason), or decline with an explanation. The answer is filed with
    the reviewers of the organization's work."""
    action = ANSWERS.get(decision, "decline")  # type: ignore[call-overload]
    request = workflow.begin(Request, request_id, action, actor)
    if decision not in ANSWERS:
        raise ValidationError({"decision": _("Choose an answer.")})
    answer = answer.strip()
    if len(answer) < 2:
        raise ValidationError({"answer": _("Give the reason for deferring.") if (
            action == "defer") else _("Write the answer to the applicant.")})
    changes: dict = {"answer": answer, "answered_by": actor}
    if action == "defer":
        if deferred_until is None:
            raise ValidationError({"deferred_until": _("Say until when the disclosure is "
                                                       "deferred.")})
        if deferred_until <= timezone.localdate():
            raise ValidationError({"deferred_until": _("Choose a date in the future.")})
        changes = {"deferred_until": deferred_until, "deferral_reason": answer,
                   "answered_by": actor}
    elif action != "decline":
        if item is None or item.organization_id != request.organization_id or (
                item.state not in PUBLISHED_STATES or item.is_withdrawn):
            raise ValidationError({"item": _("Choose a published item of the organization.")})
        changes["item"] = item
        if action == "disclose_to_applicant":
            _grant_to_applicant(request, item)
        else:
            if scope_role not in PARTY_ROLES:  # a range within the party, never beyond
                raise ValidationError({"scope_role": _("Choose to whom it is disclosed.")})
            assign_perm(f"disclosure.{GRANT_CODENAME}",
                        role_group(request.organization, scope_role), item)
            changes["scope_role"] = scope_role
    workflow.transition(Request, request_id, action, actor=actor, comment=answer,
                        changes=changes, obj=request)
    notify([request.applicant], "request.deferred" if action == "defer" else (
        "request.answered"), target_id=request.pk)
    _file(request)
    return request


@transaction.atomic
def request_draft(*, request_id: int, actor: User, entry: CatalogEntry, reach: str,
                  range_leadership: bool = False, range_cadres: bool = False,
                  range_organizations=(), event_date: dt.date | None = None,
                  period_start: dt.date | None = None,
                  period_end: dt.date | None = None) -> DisclosureItem:
    """Answer an application with a new matter: start a draft item of the organization
    under ``entry`` (one that applies to it), titled with the application's subject, and
    link it to the application, which shows as being drafted.

    ``reach`` says whom it discloses to: ``"applicant"`` (the item's intra-party audience
    is a named range naming no one, and it goes nowhere beyond the party: at publication
    the applicant alone is granted it) or one of the intra-party audiences, the flags and
    organizations naming the range. The draft stays within the party until its
    organization widens it. Nobody outside the organization's officers and reviewers sees
    it before it is published."""
    request = workflow.begin(Request, request_id, "draft", actor)
    if reach not in REACHES:
        raise ValidationError({"reach": _("Choose to whom the new matter is disclosed.")})
    alone = reach == FOR_APPLICANT
    ranged = reach == PartyAudience.RANGE
    item = item_create(
        organization=request.organization, entry=entry, actor=actor, title=request.subject,
        body=entry.body_template, event_date=event_date, period_start=period_start,
        period_end=period_end, for_applicant_alone=alone,
        party_audience=PartyAudience.RANGE if alone else reach,
        range_leadership=ranged and range_leadership, range_cadres=ranged and range_cadres,
        range_organizations=list(range_organizations) if ranged else [],
        public_audience=PublicAudience.NONE)
    workflow.transition(Request, request_id, "draft", actor=actor, changes={"item": item},
                        obj=request)
    return item


def request_complete(*, item: DisclosureItem, actor: User) -> list[Request]:
    """Answer the applications ``item`` was drafted for, now that it is published within
    the party (called by ``item_publish_internal``, in its transaction): to the applicant
    alone by a grant when the item names no one within the party, else within the item's
    own audience. Each applicant is told and each answer filed."""
    answered = []
    waiting = Request.objects.filter(item=item, state=Request.State.DISCLOSING)
    for request_id in list(waiting.values_list("pk", flat=True)):
        request = workflow.lock(Request, request_id)
        action = ("publish_to_applicant" if request.draft_published_for_applicant
                  else "publish_to_scope")
        workflow.check(request, action, actor)
        if action == "publish_to_applicant":
            _grant_to_applicant(request, item)
        workflow.transition(Request, request_id, action, actor=actor,
                            changes={"answered_by": actor}, obj=request)
        notify([request.applicant], "request.answered", target_id=request.pk)
        _file(request)
        answered.append(request)
    return answered


def request_drop_draft(*, item: DisclosureItem, actor: User) -> list[Request]:
    """Reopen the applications whose draft ``item`` is being discarded (called by
    ``item_discard``): they await an answer again."""
    reopened = []
    waiting = Request.objects.filter(item=item, state=Request.State.DISCLOSING)
    for request_id in list(waiting.values_list("pk", flat=True)):
        reopened.append(workflow.transition(Request, request_id, "drop_draft", actor=actor,
                                            changes={"item": None}))
    return reopened


@transaction.atomic
def request_resume(*, request_id: int, today: dt.date | None = None) -> Request | None:
    """Make a deferred application due again once its date has come (the scheduler): it
    awaits an answer, due ``REQUEST_ANSWER_DAYS`` working days after that date, and the
    organization's officers are told. Return None when there is nothing (more) to do."""
    today = today or timezone.localdate()
    request = workflow.lock(Request, request_id)
    if not Request.workflow.state_allows(request, "resume") or (
            request.deferred_until is None or request.deferred_until > today):
        return None
    due = add_working_days(request.deferred_until, settings.REQUEST_ANSWER_DAYS)
    workflow.transition(Request, request_id, "resume", actor=None, obj=request, changes={
        "due_date": due, "answered_at": None, "answered_by": None})
    notify(_officers(request.organization_id), "request.due_again", target_id=request.pk)
    return request


def resume_deferred_requests(*, today: dt.date | None = None) -> int:
    """Make every deferred application whose date has come due again; return how many.
    Each is locked and re-checked on its own, so a rerun or a concurrent run acts once."""
    today = today or timezone.localdate()
    due = Request.objects.filter(state=Request.State.DEFERRED, deferred_until__lte=today
                                 ).order_by("deferred_until", "pk").values_list("pk", flat=True)
    return sum(1 for pk in list(due) if request_resume(request_id=pk, today=today) is not None)


def pending_requests():
    """Applications that still need an answer by their due date: awaiting one, or being
    answered with a new matter that is not published yet."""
    return Request.objects.filter(state__in=[Request.State.SUBMITTED, Request.State.DISCLOSING],
                                  organization__is_active=True)


deadlines.register(deadlines.DeadlineSource(name="request", pending=pending_requests))

__all__ = ["request_answer", "request_complete", "request_draft", "request_drop_draft",
           "request_resume", "request_submit", "resume_deferred_requests"]
