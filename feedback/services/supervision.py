"""The supervision group (监督小组): election, seats with the exclusion rule, declared
relatives, inspection plans and records, findings that open rectification orders, the
publication of results, and evidence attached to rectification responses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from disclosure.uploads import check_upload
from portal import workflow
from portal.models import ROLE_PERMISSIONS, Membership, Organization, Role, User
from portal.roles import role_holders

from ..models import RectificationOrder
from ..models_supervision import (
    EVIDENCE_EXTENSIONS,
    InspectionFinding,
    InspectionPlan,
    InspectionRecord,
    RectificationEvidence,
    RelativeDeclaration,
    SupervisionGroup,
    SupervisionSeat,
)
from ..permissions import can_respond
from ..permissions_supervision import (
    may_declare_for,
    may_manage_group,
    party_people_of,
    sits_in,
)
from .rectification import rectification_order

Seat = SupervisionSeat
LEAD_ROLES = [role for role, codenames in ROLE_PERMISSIONS.items() if "lead" in codenames]


def _save(obj, actor: User, reason: str = "") -> None:
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    obj.save()


# The group and its seats


@transaction.atomic
def supervision_group_elect(*, organization: Organization, actor: User, meeting: str,
                            elected_on: dt.date, term_start: dt.date,
                            term_end: dt.date) -> SupervisionGroup:
    """Record the group elected by a meeting of the organization, for the committee's term."""
    if not may_manage_group(actor, organization):
        raise PermissionDenied
    errors = {}
    if elected_on > timezone.localdate():
        errors["elected_on"] = _("The election date cannot be in the future.")
    if term_end <= term_start:
        errors["term_end"] = _("The term must end after it starts.")
    if not meeting.strip():
        errors["meeting"] = _("Name the meeting that elected the group.")
    if errors:
        raise ValidationError(errors)
    if SupervisionGroup.objects.filter(organization=organization, term_start=term_start).exists():
        raise ValidationError({"term_start": _("A group for this term is already recorded.")})
    group = SupervisionGroup(organization=organization, meeting=meeting.strip(),
                             elected_on=elected_on, term_start=term_start, term_end=term_end,
                             created_by=actor)
    _save(group, actor, "elected")
    return group


def leadership(organization: Organization) -> list[User]:
    """Return the organization's 班子成员: the holders of its ``lead`` permission."""
    return list(role_holders([organization.pk], LEAD_ROLES))


def exclusion_reason(organization: Organization, candidate: User) -> str | None:
    """Return why ``candidate`` cannot serve on the organization's group, or None."""
    leaders = {user.pk: user for user in leadership(organization)}
    if candidate.pk in leaders:
        return _("%(name)s belongs to the organization's leadership team (班子成员) and "
                 "cannot serve on its supervision group.") % {"name": candidate.display_name}
    found = RelativeDeclaration.objects.filter(
        Q(person=candidate, relative_id__in=leaders) | Q(relative=candidate,
                                                         person_id__in=leaders)
    ).first()
    if found is None:
        return None
    leader = leaders[found.relative_id if found.person_id == candidate.pk else found.person_id]
    return _("%(name)s is declared as a relative (%(relation)s) of %(leader)s, a member of "
             "the organization's leadership team, and cannot serve on its supervision "
             "group.") % {"name": candidate.display_name, "relation":
                          found.get_relation_display(), "leader": leader.display_name}


def _check_seat(group: SupervisionGroup, user: User, since: dt.date) -> None:
    if not party_people_of(group.organization).filter(pk=user.pk).exists():
        raise ValidationError({"user": _("%(name)s is not a party member of the organization "
                                         "or an organization below it.") % {
            "name": user.display_name}})
    if reason := exclusion_reason(group.organization, user):
        raise ValidationError({"user": reason})
    if not group.term_start <= since < group.term_end:
        raise ValidationError({"since": _("The seat must start within the group's term.")})
    if group.seats.current(on=since).filter(user=user).exists():
        raise ValidationError({"user": _("%(name)s already sits in the group.")
                               % {"name": user.display_name}})


@transaction.atomic
def supervision_seat_add(*, group_id: int, user: User, actor: User, since: dt.date,
                         is_leader: bool = False, replaces_id: int | None = None) -> Seat:
    """Give ``user`` a seat from ``since`` to the end of the term, with the supervisor role
    on the organization's subtree for that period. A seat that ``replaces`` another one is a
    by-election (补选): the replaced seat ends the day the new one starts."""
    group = SupervisionGroup.objects.select_for_update().select_related(
        "organization").get(pk=group_id)
    if not may_manage_group(actor, group.organization):
        raise PermissionDenied
    _check_seat(group, user, since)
    replaced = None
    if replaces_id is not None:
        replaced = group.seats.select_for_update().get(pk=replaces_id)
        if replaced.until is not None and replaced.until <= since:
            raise ValidationError({"replaces": _("That seat has already ended.")})
        if replaced.since >= since:
            raise ValidationError({"since": _("A by-election comes after the seat it fills.")})
        _end(replaced, actor, since, Seat.Ended.REPLACED)
    if is_leader:
        for seat in group.seats.select_for_update().filter(is_leader=True, until__isnull=True):
            _end_leadership(seat, actor)
    try:
        with transaction.atomic():
            membership = Membership(user=user, organization=group.organization,
                                    role=Role.SUPERVISOR, since=since, until=group.term_end)
            _save(membership, actor, "supervision group seat")
    except IntegrityError as error:
        raise ValidationError({"user": _("%(name)s already holds a supervisor role starting "
                                         "on that day.") % {"name": user.display_name}}
                              ) from error
    joined = Seat.Joined.BY_ELECTION if replaced or since > group.term_start else (
        Seat.Joined.ELECTED)
    seat = Seat(group=group, user=user, is_leader=is_leader, since=since, joined=joined,
                replaces=replaced, membership=membership)
    _save(seat, actor, str(seat.get_joined_display()))
    return seat


def _end_leadership(seat: Seat, actor: User) -> None:
    """A new leader takes over: the former leader keeps a plain seat (the history keeps
    who led when)."""
    seat.is_leader = False
    _save(seat, actor, "no longer leader")


def _end(seat: Seat, actor: User, on: dt.date, reason: str) -> None:
    """End the seat on ``on`` (exclusive) and the supervisor role with it."""
    if on <= seat.since:
        raise ValidationError({"on": _("A seat ends after the day it started.")})
    seat.until, seat.ended = on, reason
    _save(seat, actor, str(Seat.Ended(reason).label))
    membership = seat.membership
    if membership is not None and (membership.until is None or membership.until > on):
        membership.until = on
        _save(membership, actor, "supervision group seat ended")


@transaction.atomic
def supervision_seat_end(*, seat_id: int, actor: User, on: dt.date, reason: str) -> Seat:
    """End a seat (resignation, removal): the supervisor role ends the same day."""
    seat = Seat.objects.select_for_update(of=("self",)).select_related(
        "group__organization", "membership").get(pk=seat_id)
    if not may_manage_group(actor, seat.group.organization):
        raise PermissionDenied
    if seat.until is not None and seat.until <= timezone.localdate():
        raise ValidationError(_("This seat has already ended."))
    if reason not in Seat.Ended.values:
        raise ValidationError({"reason": _("Choose why the seat ends.")})
    if on > seat.group.term_end:
        raise ValidationError({"on": _("A seat ends at the latest with the term.")})
    _end(seat, actor, on, reason)
    return seat


@transaction.atomic
def relative_declare(*, organization: Organization, person: User, relative: User,
                     relation: str, actor: User) -> RelativeDeclaration:
    """Record that ``person`` has declared ``relative`` (by themselves or by the secretary)."""
    if not may_declare_for(actor, organization, person):
        raise PermissionDenied
    if person.pk == relative.pk:
        raise ValidationError({"relative": _("A person cannot be their own relative.")})
    if RelativeDeclaration.objects.filter(person=person, relative=relative).exists():
        raise ValidationError({"relative": _("This relation is already declared.")})
    declaration = RelativeDeclaration(organization=organization, person=person,
                                      relative=relative, relation=relation, declared_by=actor)
    _save(declaration, actor)
    return declaration


# Inspection plans and records


def _scope(group: SupervisionGroup, scope: Iterable[Organization]) -> list[Organization]:
    chosen = list(scope)
    if not chosen:
        raise ValidationError({"scope": _("Choose at least one organization.")})
    outside = [org.name for org in chosen if not org.path.startswith(group.organization.path)]
    if outside:
        raise ValidationError({"scope": _("Outside the group's organization: %(names)s.")
                               % {"names": "、".join(outside)}})
    return chosen


def _sitting(group_id: int, actor: User) -> SupervisionGroup:
    group = SupervisionGroup.objects.select_related("organization").get(pk=group_id)
    if not sits_in(actor, group):
        raise PermissionDenied
    return group


@transaction.atomic
def inspection_plan(*, group_id: int, actor: User, year: int, period: str,
                    scope: Iterable[Organization], subject: str, planned_start: dt.date,
                    planned_end: dt.date) -> InspectionPlan:
    """Plan an inspection: which organizations, what to check, when."""
    group = _sitting(group_id, actor)
    chosen = _scope(group, scope)
    if planned_end < planned_start:
        raise ValidationError({"planned_end": _("The plan must end on or after its start.")})
    if len(subject.strip()) < 5:
        raise ValidationError({"subject": _("Say what will be checked.")})
    plan = workflow.create(InspectionPlan(
        group=group, organization=group.organization, year=year, period=period.strip(),
        subject=subject.strip(), planned_start=planned_start, planned_end=planned_end,
        planned_by=actor), actor, action="plan")
    plan.scope.set(chosen)
    return plan


@transaction.atomic
def inspection_conclude_plan(*, plan_id: int, actor: User, done: bool,
                             comment: str = "") -> InspectionPlan:
    """Mark a plan carried out, or cancel it (with the reason)."""
    return workflow.transition(
        InspectionPlan, plan_id, "complete" if done else "cancel", actor=actor,
        comment=comment.strip(), validate=None if done else workflow.required(
            comment.strip(), _("Say why the inspection is cancelled.")))


@transaction.atomic
def inspection_record(*, group_id: int, actor: User, inspected_on: dt.date,
                      scope: Iterable[Organization], checked: str, conclusion: str = "",
                      plan: InspectionPlan | None = None) -> InspectionRecord:
    """Record an inspection: its date, the organizations, what was checked."""
    group = _sitting(group_id, actor)
    chosen = _scope(group, scope)
    if inspected_on > timezone.localdate():
        raise ValidationError({"inspected_on": _("An inspection is recorded once it took "
                                                 "place.")})
    if plan is not None and plan.group_id != group.pk:
        raise ValidationError({"plan": _("The plan belongs to another group.")})
    if len(checked.strip()) < 5:
        raise ValidationError({"checked": _("Say what was checked.")})
    record = workflow.create(InspectionRecord(
        group=group, organization=group.organization, plan=plan, inspected_on=inspected_on,
        checked=checked.strip(), conclusion=conclusion.strip(), recorded_by=actor),
        actor, action="record")
    record.scope.set(chosen)
    return record


@transaction.atomic
def inspection_add_finding(*, record_id: int, actor: User, organization: Organization,
                           text: str) -> InspectionFinding:
    """Add a finding about one of the organizations inspected."""
    record = workflow.begin(InspectionRecord, record_id, "add_finding", actor)
    if not record.scope.filter(pk=organization.pk).exists():
        raise ValidationError({"organization": _("Choose one of the organizations "
                                                 "inspected.")})
    if len(text.strip()) < 5:
        raise ValidationError({"text": _("Describe the finding.")})
    finding = InspectionFinding(record=record, organization=organization, text=text.strip())
    _save(finding, actor)
    workflow.record(record, actor, "add_finding", finding.text)
    return finding


@transaction.atomic
def inspection_open_order(*, finding_id: int, actor: User, requirement: str,
                          due_date: dt.date) -> RectificationOrder:
    """Open a rectification order for a finding, linked to it."""
    finding = InspectionFinding.objects.select_for_update(of=("self",)).select_related(
        "organization").get(pk=finding_id)
    workflow.begin(InspectionRecord, finding.record_id, "open_order", actor)
    if finding.order_id is not None:
        raise ValidationError(_("This finding has already opened an order."))
    order = rectification_order(organization=finding.organization, actor=actor,
                                finding=finding.text, requirement=requirement,
                                due_date=due_date)
    finding.order = order
    _save(finding, actor, "rectification ordered")
    return order


@transaction.atomic
def inspection_publish(*, record_id: int, actor: User, audience: str) -> InspectionRecord:
    """Publish the record's results to the chosen audience."""
    if audience not in InspectionRecord.Audience.values:
        raise ValidationError({"audience": _("Choose who reads the results.")})
    return workflow.transition(InspectionRecord, record_id, "publish", actor=actor,
                               changes={"audience": audience}, comment=audience)


# Evidence of rectification


def _check_evidence(upload):
    checked = check_upload(upload)
    if checked.extension not in EVIDENCE_EXTENSIONS:
        raise ValidationError(_("Evidence must be a photo (PNG or JPEG) or a PDF."),
                              code="type")
    if checked.extension != ".pdf":
        from PIL import Image, UnidentifiedImageError

        try:
            upload.seek(0)
            with Image.open(upload) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise ValidationError(_("The image cannot be read."), code="content") from error
        upload.seek(0)
    return checked


def rectification_evidence_add(*, order_id: int, actor: User, upload) -> RectificationEvidence:
    """Attach a checked photo or PDF to the order's response; a refused file leaves nothing."""
    checked = _check_evidence(upload)
    evidence: RectificationEvidence | None = None
    try:
        with transaction.atomic():
            order = RectificationOrder.objects.select_for_update(of=("self",)).select_related(
                "organization").get(pk=order_id)
            if not can_respond(actor, order):
                raise PermissionDenied
            if not workflow.workflow_of(order).state_allows(order, "respond"):
                raise ValidationError(_("Evidence is added while the order awaits a "
                                        "response."))
            evidence = RectificationEvidence(
                order=order, original_name=checked.original_name,
                extension=checked.extension, content_type=checked.content_type,
                size=checked.size, sha256=checked.sha256, uploaded_by=actor)
            evidence.file.save("upload", upload, save=False)
            _save(evidence, actor)
    except BaseException:
        if evidence is not None and evidence.file.name:
            evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


__all__ = [
    "exclusion_reason", "inspection_add_finding", "inspection_conclude_plan",
    "inspection_open_order", "inspection_plan", "inspection_publish", "inspection_record",
    "rectification_evidence_add", "relative_declare", "supervision_group_elect",
    "supervision_seat_add", "supervision_seat_end",
]
