"""Who sees and acts on the disclosure records around items: obligations, non-disclosure
filings, applications for disclosure, change requests and out-of-catalog work plans.

Items and their attachments have their own module, :mod:`disclosure.visibility`. Every
check here has its queryset twin, and each kind is registered in
:mod:`portal.permissions`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from catalog.models import CatalogEntry, PublicAudience
from portal import permissions
from portal.models import Organization
from portal.roles import (
    EVERYTHING,
    acts_for,
    acts_for_q,
    ancestor_ids,
    has_org_perm,
    is_superuser,
    line_ids,
    member_of,
    org_ids_with,
    org_matter,
    org_matter_q,
    organization_business,
    overseen_q,
    oversees,
    reviews_for,
    reviews_for_q,
    signed_in,
    user_organizations,
)

from .models import (
    ANSWERED_REQUEST_STATES,
    ChangeRequest,
    DisclosureRequest,
    LedgerEvidence,
    LedgerRecord,
    NonDisclosureFiling,
    Obligation,
    WorkPlan,
)
from .visibility import (
    can_approve_change,
    can_view,
    can_view_change,
    visible_changes,
    visible_items,
)

# Obligations: the organization's own business, followed by its officers, the parent's
# reviewers and the supervisors of its subtree.


can_view_obligation, visible_obligations = organization_business(Obligation)


def can_file(user, obligation: Obligation) -> bool:
    """Return whether ``user`` may file the obligation as not disclosable for now."""
    return acts_for(user, obligation.organization_id)


# The published catalog of an organization (its page, /orgs/<code>/catalog/): its members,
# its officers, the reviewers of its work and its supervisors read every entry with its
# obligations; everyone else, anonymous readers included, reads only the entries whose items
# reach them beyond the party (society; the unit's people for entries released to the unit).


def reads_whole_catalog(user, organization: Organization) -> bool:
    """Return whether ``user`` reads every entry of the organization's catalog."""
    return is_superuser(user) or member_of(user, organization) or org_matter(user, organization)


def catalog_entries_q(user, organization: Organization, prefix: str = "") -> Q:
    """Return the filter for the entries (at ``prefix``, e.g. "entry__") of the
    organization's catalog that ``user`` reads: the twin of :func:`can_read_entry`."""
    if reads_whole_catalog(user, organization):
        return EVERYTHING
    return Q(**{f"{prefix}public_audience__in": _open_audiences(user, organization)})


def can_read_entry(user, organization: Organization, entry) -> bool:
    """Return whether ``user`` reads ``entry`` on the organization's catalog page."""
    return reads_whole_catalog(user, organization) or (
        entry.public_audience in _open_audiences(user, organization))


def _open_audiences(user, organization: Organization) -> list[str]:
    audiences = [PublicAudience.SOCIETY.value]
    if signed_in(user) and organization.pk in line_ids(user, "view_unit"):
        audiences.append(PublicAudience.UNIT.value)  # the unit's own people, and below it
    return audiences


# Non-disclosure filings: filed by the organization, decided by the parent's reviewers.


can_view_filing, visible_filings = organization_business(NonDisclosureFiling,
                                                         "obligation__organization")


def can_decide_filing(user, filing: NonDisclosureFiling) -> bool:
    return reviews_for(user, filing.obligation.organization)


def can_end_filing(user, filing: NonDisclosureFiling) -> bool:
    """Return whether ``user`` ends the filing's deferral for the organization (when its
    condition has been met, or earlier than its date)."""
    return acts_for(user, filing.obligation.organization_id)


def filings_to_decide(user) -> QuerySet[NonDisclosureFiling]:
    """Return the filings awaiting ``user``'s acknowledgement as a parent's reviewer."""
    return NonDisclosureFiling.objects.filter(
        reviews_for_q(user, "obligation__organization__"),
        state=NonDisclosureFiling.State.FILED)


# Applications for disclosure: the applicant, and whoever follows the organization.


def may_apply(user, organization: Organization) -> bool:
    """Members apply to their own organization or to one above it."""
    own = org_ids_with(user, "view_internal") if signed_in(user) else frozenset()
    return Organization.objects.filter(pk__in=own, path__startswith=organization.path).exists()


def organizations_to_apply_to(user) -> list[Organization]:
    """Return where ``user`` may apply, their own (first) organization first: their
    organizations and the ones above them."""
    mine = user_organizations(user, "view_internal") if signed_in(user) else []
    targets = Organization.objects.filter(
        pk__in={pk for org in mine for pk in ancestor_ids(org)})
    return sorted(targets, key=lambda org: (org.pk != mine[0].pk, org.path)) if mine else []


# An application (依申请公开) is the applicant's and the organization's business: the
# organization answers it, and "申请事项及办理情况应报上一级党组织备案" — the matter and how
# it was handled are filed with the parent once answered. So the parent's reviewers read an
# application (the applicant and the reason) once it is answered and filed with them, or once
# it is overdue, when they are to supervise it (the escalation reminder sends them to it);
# not while it is pending in time. Supervisors of the subtree follow it throughout.


def _filed_or_overdue(request: DisclosureRequest) -> bool:
    return (request.state in ANSWERED_REQUEST_STATES
            or request.due_date < timezone.localdate())


def can_view_request(user, request: DisclosureRequest) -> bool:
    if not signed_in(user):
        return False
    org = request.organization
    return (request.applicant_id == user.pk or acts_for(user, org) or oversees(user, org)
            or (reviews_for(user, org) and _filed_or_overdue(request)))


def visible_requests(user) -> QuerySet[DisclosureRequest]:
    if not signed_in(user):
        return DisclosureRequest.objects.none()
    if is_superuser(user):
        return DisclosureRequest.objects.all()
    filed_or_overdue = Q(state__in=ANSWERED_REQUEST_STATES) | Q(
        due_date__lt=timezone.localdate())
    return DisclosureRequest.objects.filter(
        Q(applicant=user) | acts_for_q(user) | overseen_q(user)
        | (reviews_for_q(user) & filed_or_overdue))


def requests_made_or_answered(user) -> QuerySet[DisclosureRequest]:
    """Return the applications ``user`` made or answers for: the list of their own work."""
    return visible_requests(user).filter(Q(applicant=user) | acts_for_q(user))


def can_answer_request(user, request: DisclosureRequest) -> bool:
    return acts_for(user, request.organization_id)


def answers_filed_with(user) -> QuerySet[DisclosureRequest]:
    """Return the answered applications (disclosed, deferred or declined) filed with
    ``user`` as a reviewer of the organization's work: the parent's, or at the top of the
    tree the organization's own."""
    return DisclosureRequest.objects.filter(
        reviews_for_q(user), state__in=ANSWERED_REQUEST_STATES)


# Change requests: whoever may read the item's workflow, and the approvers of the catalog's
# issuer (the rule lives with the item's in :mod:`disclosure.visibility`).


def can_decide_change(user, change: ChangeRequest) -> bool:
    return can_approve_change(user, change.item)


def can_withdraw_change(user, change: ChangeRequest) -> bool:
    """Return whether ``user`` withdraws the request: the one who made it, while they still
    act for the item's organization."""
    return (signed_in(user) and change.requested_by_id == user.pk
            and acts_for(user, change.item.organization_id))


def changes_to_decide(user) -> QuerySet[ChangeRequest]:
    pending = ChangeRequest.objects.filter(state=ChangeRequest.State.SUBMITTED)
    # The catalog entries as a subquery, not a join through the items: joined, the planner
    # may walk every item in key order to merge them with the few pending requests
    # (measured: a second at a million items, for a reviewer whose catalogs have none).
    return pending if is_superuser(user) else pending.filter(
        item__entry_id__in=CatalogEntry.objects.filter(
            catalog__issuer_id__in=org_ids_with(user, "review")).values("pk"))


# Work plans: the organization that plans, and the approvers of the catalog's issuer.


def can_view_plan(user, plan: WorkPlan) -> bool:
    return acts_for(user, plan.organization_id) or can_decide_plan(user, plan)


def visible_plans(user) -> QuerySet[WorkPlan]:
    if is_superuser(user):
        return WorkPlan.objects.all()
    return WorkPlan.objects.filter(
        acts_for_q(user) | Q(catalog__issuer_id__in=org_ids_with(user, "review")))


def can_decide_plan(user, plan: WorkPlan) -> bool:
    return signed_in(user) and has_org_perm(user, "review", plan.catalog.issuer_id)


def can_draft_from_plan(user, plan: WorkPlan) -> bool:
    """Return whether ``user`` drafts the item of an approved plan."""
    return plan.entry_id is not None and acts_for(user, plan.organization_id)


def plans_to_decide(user) -> QuerySet[WorkPlan]:
    pending = WorkPlan.objects.filter(state=WorkPlan.State.SUBMITTED)
    return pending if is_superuser(user) else pending.filter(
        catalog__issuer_id__in=org_ids_with(user, "review"))


def may_plan(user, organization: Organization) -> bool:
    return acts_for(user, organization)


# The offline ledger: recorded by the organization's secretaries and committee members,
# followed like the organization's other business (its officers, the reviewers of its work,
# the supervisors of its subtree). The organization's members also read the standing
# records of the items they may read: the posting, the meeting or the document was meant
# for them. Records of an obligation alone, and voided records, stay with the officers.


def can_record(user, organization: Organization | int) -> bool:
    """Return whether ``user`` records the organization's offline disclosures."""
    return acts_for(user, organization)


def can_view_ledger(user, record: LedgerRecord) -> bool:
    if org_matter(user, record.organization):
        return True
    return (member_of(user, record.organization_id) and not record.is_voided
            and record.item is not None and can_view(user, record.item))


def visible_ledger(user) -> QuerySet[LedgerRecord]:
    if not signed_in(user):
        return LedgerRecord.objects.none()
    members = Q(organization_id__in=org_ids_with(user, "view_internal"),
                state=LedgerRecord.State.RECORDED, item__in=visible_items(user))
    return LedgerRecord.objects.filter(org_matter_q(user) | members)


def can_view_evidence(user, evidence: LedgerEvidence) -> bool:
    return can_view_ledger(user, evidence.record)


def visible_evidence(user) -> QuerySet[LedgerEvidence]:
    return LedgerEvidence.objects.filter(record__in=visible_ledger(user))


def may_read_ledger(user, organization: Organization) -> bool:
    """Return whether ``user`` opens the organization's ledger page at all."""
    return org_matter(user, organization) or member_of(user, organization)


permissions.register(permissions.Rules(
    LedgerRecord, visible=visible_ledger, can_view=can_view_ledger,
    rules={"record": lambda user, record: can_record(user, record.organization_id)},
    url=lambda r: reverse("disclosure:ledger_detail", args=[r.pk]),
    related=("organization", "organization__parent", "item", "obligation__entry",
             "recorded_by"),
))
permissions.register(permissions.Rules(
    LedgerEvidence, visible=visible_evidence, can_view=can_view_evidence,
    url=lambda e: reverse("disclosure:ledger_evidence", args=[e.pk]),
    related=("record", "record__organization", "record__item"),
))
permissions.register(permissions.Rules(
    Obligation, visible=visible_obligations, can_view=can_view_obligation,
    rules={"file": can_file}, related=("organization", "entry"),
))
permissions.register(permissions.Rules(
    NonDisclosureFiling, visible=visible_filings, can_view=can_view_filing,
    rules={"decide": can_decide_filing, "end": can_end_filing},
    url=lambda f: reverse("disclosure:filing_detail", args=[f.pk]),
    related=("obligation__organization", "obligation__entry", "filed_by"),
))
permissions.register(permissions.Rules(
    DisclosureRequest, visible=visible_requests, can_view=can_view_request,
    rules={"answer": can_answer_request},
    url=lambda r: reverse("disclosure:request_detail", args=[r.pk]),
    related=("organization", "applicant", "item"),
))
permissions.register(permissions.Rules(
    ChangeRequest, visible=visible_changes, can_view=can_view_change,
    rules={"decide": can_decide_change, "withdraw": can_withdraw_change},
    url=lambda c: reverse("disclosure:change_detail", args=[c.pk]),
    related=("item__organization", "item__entry__catalog", "requested_by"),
))
permissions.register(permissions.Rules(
    WorkPlan, visible=visible_plans, can_view=can_view_plan,
    rules={"decide": can_decide_plan},
    url=lambda p: reverse("disclosure:plan_detail", args=[p.pk]),
    related=("organization", "catalog", "entry", "submitted_by"),
))
