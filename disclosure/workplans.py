"""目录外事项: work plans for matters outside the catalog, approved by the organization that
set the catalog. The approval adds a catalog entry for that one organization, so the item
then follows the ordinary workflow."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Catalog, CatalogEntry, TimeLimit, catalog_in_force
from portal.models import Organization, User
from portal.notifications import notify
from portal.roles import has_org_perm, role_holders

from .errors import TransitionError
from .models import WorkPlan


def catalog_for(organization: Organization) -> Catalog | None:
    """Return the catalog in force that binds the organization, the nearest issuer first."""
    ancestors = [int(p) for p in organization.path.strip("/").split("/") if p]
    candidates = (Catalog.objects.filter(catalog_in_force(timezone.localdate(), prefix=""),
                                         issuer_id__in=ancestors)
                  .select_related("issuer").order_by("-issuer__depth"))
    return next((c for c in candidates if c.binds(organization)), None)


@transaction.atomic
def submit_plan(*, organization: Organization, actor: User, title: str, plan: str,
                category: str, scope: str, time_limit: str,
                display_days: int | None = None) -> WorkPlan:
    if not has_org_perm(actor, "publish", organization):
        raise PermissionDenied
    catalog = catalog_for(organization)
    if catalog is None:
        raise TransitionError(_("No catalog in force applies to this organization."))
    if time_limit == TimeLimit.PERIODIC:
        raise ValidationError({"time_limit": _("A recurring matter belongs in the catalog; "
                                               "ask the catalog admin to add it.")})
    if time_limit == TimeLimit.SHORT_TERM and not display_days:
        raise ValidationError({"display_days": _("Say how many days it is displayed.")})
    if len(plan.strip()) < 10:
        raise ValidationError({"plan": _("Describe the work plan: what, why, to whom, how.")})
    work_plan = WorkPlan(organization=organization, title=title.strip(), plan=plan.strip(),
                         category=category, scope=scope, time_limit=time_limit,
                         display_days=display_days, catalog=catalog, submitted_by=actor)
    work_plan._history_user = actor  # type: ignore[attr-defined]
    work_plan.save()
    notify(role_holders([catalog.issuer_id], ["reviewer"]), "workplan.submitted",
           target_id=work_plan.pk)
    return work_plan


@transaction.atomic
def decide_plan(*, plan_id: int, actor: User, approve: bool, comment: str = "") -> WorkPlan:
    work_plan = WorkPlan.objects.select_for_update(of=("self",)).select_related(
        "catalog", "organization").get(pk=plan_id)
    if not has_org_perm(actor, "review", work_plan.catalog.issuer_id):
        raise PermissionDenied
    if work_plan.state != WorkPlan.State.SUBMITTED:
        raise TransitionError(_("This work plan has been decided already."))
    if not approve and not comment.strip():
        raise TransitionError(_("Say why the work plan is rejected."))
    work_plan.decided_by, work_plan.decided_at = actor, timezone.now()
    work_plan.comment = comment.strip()
    if approve:
        work_plan.state = WorkPlan.State.APPROVED
        work_plan.entry = CatalogEntry.objects.create(
            catalog=work_plan.catalog, code=f"OUT-{work_plan.pk}", category=work_plan.category,
            title=work_plan.title, content=work_plan.plan, scope=work_plan.scope,
            time_limit=work_plan.time_limit, display_days=work_plan.display_days,
            only_for=work_plan.organization, order=999)
    else:
        work_plan.state = WorkPlan.State.REJECTED
    work_plan._history_user = actor  # type: ignore[attr-defined]
    work_plan.save()
    notify(role_holders([work_plan.organization_id], ["secretary", "committee"]),
           "workplan.decided", target_id=work_plan.pk)
    return work_plan
