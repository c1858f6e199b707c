"""目录外事项: work plans for matters outside the catalog, approved by the organization that
set the catalog. The approval adds a catalog entry for that one organization, so the item
then follows the ordinary workflow."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import (
    RULE_FIELDS,
    Catalog,
    CatalogEntry,
    Duration,
    Frequency,
    PartyAudience,
    PublicAudience,
    catalog_in_force,
)
from portal import workflow
from portal.models import Organization, User
from portal.notifications import notify
from portal.roles import ancestor_ids, role_holders
from portal.workflow import TransitionError

from ..models import WorkPlan
from ..permissions import may_plan


def catalog_for(organization: Organization) -> Catalog | None:
    """Return the catalog in force that binds the organization, the nearest issuer first."""
    candidates = (Catalog.objects.filter(catalog_in_force(timezone.localdate(), prefix=""),
                                         issuer_id__in=ancestor_ids(organization))
                  .select_related("issuer").order_by("-issuer__depth"))
    return next((c for c in candidates if c.binds(organization)), None)


@transaction.atomic
def workplan_submit(*, organization: Organization, actor: User, title: str, plan: str,
                    category: str, party_audience: str = PartyAudience.ORGANIZATION,
                    public_audience: str = PublicAudience.NONE, duration: str = Duration.LONG,
                    display_days: int | None = None) -> WorkPlan:
    """Ask the catalog-setting organization to approve a matter outside the catalog: a
    one-off (timely) disclosure with its audiences and duration."""
    if not may_plan(actor, organization):
        raise PermissionDenied
    catalog = catalog_for(organization)
    if catalog is None:
        raise TransitionError(_("No catalog in force applies to this organization."))
    if party_audience not in (PartyAudience.ORGANIZATION, PartyAudience.SUBTREE):
        raise ValidationError({"party_audience": _("Choose the intra-party audience.")})
    if duration == Duration.SHORT and not display_days:
        raise ValidationError({"display_days": _("Say how many working days it is "
                                                 "displayed.")})
    if len(plan.strip()) < 10:
        raise ValidationError({"plan": _("Describe the work plan: what, why, to whom, how.")})
    work_plan = workflow.create(WorkPlan(
        organization=organization, title=title.strip(), plan=plan.strip(), category=category,
        party_audience=party_audience, public_audience=public_audience, duration=duration,
        display_days=display_days if duration == Duration.SHORT else None,
        frequency=Frequency.TIMELY, catalog=catalog,
        submitted_by=actor), actor, action="submit")
    notify(role_holders([catalog.issuer_id], ["reviewer"]), "workplan.submitted",
           target_id=work_plan.pk)
    return work_plan


def _entry_for(plan: WorkPlan) -> CatalogEntry:
    """The catalog entry an approved plan adds, for its organization only."""
    return CatalogEntry.objects.create(
        catalog=plan.catalog, code=f"OUT-{plan.pk}", category=plan.category, title=plan.title,
        content=plan.plan, only_for=plan.organization, order=999,
        **{name: getattr(plan, name) for name in RULE_FIELDS})


@transaction.atomic
def workplan_decide(*, plan_id: int, actor: User, approve: bool,
                    comment: str = "") -> WorkPlan:
    """Approve (adding the catalog entry for the organization) or reject a work plan."""
    work_plan = workflow.decide(
        WorkPlan, plan_id, approve=approve, actor=actor, comment=comment,
        reason_required=_("Say why the work plan is rejected."),
        on_approval=lambda plan: {"entry": _entry_for(plan)})
    notify(role_holders([work_plan.organization_id], ["secretary", "committee"]),
           "workplan.decided", target_id=work_plan.pk)
    return work_plan

__all__ = ["catalog_for", "workplan_decide", "workplan_submit"]
