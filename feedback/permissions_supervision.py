"""Who sees and acts on the supervision group, its inspections and rectification evidence.

The organization's secretaries record the election and the seats; the group's sitting
members plan and record inspections and open orders; the organization's officers, the
reviewers of its parent and the supervisors of its subtree read them; a published record
also reaches the audience it was published to. Every check has its queryset twin.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse

from portal import permissions
from portal.models import Membership, Organization, Role, User
from portal.roles import (
    acts_for,
    acts_for_q,
    is_superuser,
    line_ids,
    member_of,
    org_ids_with,
    org_matter,
    org_matter_q,
    organization_business,
    signed_in,
)

from .models_supervision import (
    InspectionFinding,
    InspectionPlan,
    InspectionRecord,
    RectificationEvidence,
    RelativeDeclaration,
    SupervisionGroup,
    SupervisionSeat,
)
from .permissions import can_view_order, visible_orders

Audience = InspectionRecord.Audience


def sits_in(user, group: SupervisionGroup) -> bool:
    """Return whether ``user`` holds a current seat in ``group`` (plans, records, orders)."""
    return signed_in(user) and SupervisionSeat.objects.current().filter(
        group_id=group.pk, user_id=user.pk).exists()


def may_manage_group(user, organization: Organization) -> bool:
    """The organization's secretaries record its group's election and seats."""
    return acts_for(user, organization)


def can_view_group(user, group: SupervisionGroup) -> bool:
    return member_of(user, group.organization_id) or org_matter(user, group.organization)


def visible_groups(user) -> QuerySet[SupervisionGroup]:
    if not signed_in(user):
        return SupervisionGroup.objects.none()
    return SupervisionGroup.objects.filter(
        Q(organization_id__in=org_ids_with(user, "view_internal")) | org_matter_q(user))


can_view_plan, visible_plans = organization_business(InspectionPlan)


def _reaches(user, record: InspectionRecord) -> bool:
    """Whether the published results' audience includes ``user``."""
    if record.audience == Audience.PUBLIC:
        return True
    if record.audience == Audience.MEMBERS:
        return member_of(user, record.organization_id)
    if record.audience == Audience.SUBTREE:
        return signed_in(user) and record.organization_id in line_ids(user, "view_internal")
    return False


def can_view_record(user, record: InspectionRecord) -> bool:
    published = record.state == InspectionRecord.State.PUBLISHED
    return org_matter(user, record.organization) or (published and _reaches(user, record))


def _published_to_q(user) -> Q:
    reach = Q(audience=Audience.PUBLIC)
    if signed_in(user):
        reach |= Q(audience=Audience.MEMBERS,
                   organization_id__in=org_ids_with(user, "view_internal"))
        reach |= Q(audience=Audience.SUBTREE,
                   organization_id__in=line_ids(user, "view_internal"))
    return Q(state=InspectionRecord.State.PUBLISHED) & reach


def visible_records(user) -> QuerySet[InspectionRecord]:
    return InspectionRecord.objects.filter(org_matter_q(user) | _published_to_q(user))


def published_records(user) -> QuerySet[InspectionRecord]:
    """Return the published results ``user`` reads as part of their audience."""
    return InspectionRecord.objects.filter(_published_to_q(user))


def can_view_evidence(user, evidence: RectificationEvidence) -> bool:
    return can_view_order(user, evidence.order)


def visible_evidence(user) -> QuerySet[RectificationEvidence]:
    return RectificationEvidence.objects.filter(order__in=visible_orders(user))


def can_view_declaration(user, declaration: RelativeDeclaration) -> bool:
    return signed_in(user) and (declaration.person_id == user.pk
                                or acts_for(user, declaration.organization_id))


def visible_declarations(user) -> QuerySet[RelativeDeclaration]:
    if not signed_in(user):
        return RelativeDeclaration.objects.none()
    if is_superuser(user):
        return RelativeDeclaration.objects.all()
    return RelativeDeclaration.objects.filter(Q(person=user) | acts_for_q(user))


def party_people_of(organization: Organization) -> QuerySet[User]:
    """The active party members of the organization's subtree (every role but the unit's
    non-party people): who may be elected to its supervision group, and whose relatives
    are declared there."""
    return User.objects.filter(is_active=True, pk__in=Membership.objects.active().filter(
        organization__path__startswith=organization.path).exclude(
        role=Role.PEOPLE).values("user_id"))


def may_declare(user, organization: Organization) -> bool:
    """Whether ``user`` may declare relatives in the organization at all: its officers, and
    its party members for themselves."""
    return signed_in(user) and (acts_for(user, organization) or party_people_of(
        organization).filter(pk=user.pk).exists())


def may_declare_for(user, organization: Organization, person) -> bool:
    """A party member of the organization declares their own relatives; the secretary may
    declare on a member's behalf."""
    if not signed_in(user) or not party_people_of(organization).filter(pk=person.pk).exists():
        return False
    return person.pk == user.pk or acts_for(user, organization)


permissions.register(permissions.Rules(
    SupervisionGroup, visible=visible_groups, can_view=can_view_group,
    url=lambda g: reverse("feedback:group_detail", args=[g.pk]),
    related=("organization",),
))
permissions.register(permissions.Rules(
    InspectionPlan, visible=visible_plans, can_view=can_view_plan,
    rules={"plan": lambda user, plan: sits_in(user, plan.group)},
    url=lambda p: reverse("feedback:plan_detail", args=[p.pk]),
    related=("organization", "group"),
))
permissions.register(permissions.Rules(
    InspectionRecord, visible=visible_records, can_view=can_view_record,
    rules={"record": lambda user, record: sits_in(user, record.group)},
    url=lambda r: reverse("feedback:record_detail", args=[r.pk]),
    related=("organization", "group"),
))
permissions.register(permissions.Rules(
    RectificationEvidence, visible=visible_evidence, can_view=can_view_evidence,
    url=lambda e: reverse("feedback:evidence_download", args=[e.pk]),
    related=("order__organization",),
))
permissions.register(permissions.Rules(
    RelativeDeclaration, visible=visible_declarations, can_view=can_view_declaration,
    related=("organization", "person", "relative"),
))
permissions.internal(SupervisionSeat, "seats are shown on their group's page")
permissions.internal(InspectionFinding, "findings are shown on their inspection record's page")
