"""The published catalog of an organization: what its catalogs require of it, by when, and
the state of each obligation this year; for a subtree, the counts per organization."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.http import AuthedRequest, attempt, flash_errors
from portal.models import Organization
from portal.pagination import paginate
from portal.roles import acts_for
from portal.routing import Routes

from .. import catalog_pages, selectors, services
from ..forms import AnnualPlanForm
from ..permissions import reads_whole_catalog

routes = Routes()


@routes("orgs/<str:code>/catalog/")
def catalog_page(request: HttpRequest, code: str) -> HttpResponse:
    org = get_object_or_404(Organization, code=code, is_active=True)
    user, today = request.user, timezone.localdate()
    subtree = request.GET.get("subtree") == "1"
    context = {"org": org, "ancestors": list(org.ancestors()), "subtree": subtree,
               "year": today.year, "whole": reads_whole_catalog(user, org),
               "plans": catalog_pages.plans(user, org, today),
               "statuses": list(catalog_pages.STATUSES.items())}
    if subtree:
        page = paginate(request, Organization.objects.filter(
            is_active=True, path__startswith=org.path).order_by("path"))
        organizations = list(page.object_list)
        counts = catalog_pages.subtree_counts(user, organizations, today)
        context["org_rows"] = [(o, [counts[o.pk][key] for key in catalog_pages.STATUSES])
                               for o in organizations]
    else:
        page = paginate(request, catalog_pages.catalog_entries(user, org))
        context["rows"] = catalog_pages.entry_rows(user, org, list(page.object_list), today)
    context["page"] = page
    return render(request, "disclosure/catalog_page.html", context)


@routes("items/<int:pk>/annual-plan/")
@login_required
@require_POST
def item_annual_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark the item as a catalog's annual plan for a year, or remove the mark (the
    issuer's secretaries)."""
    item = selectors.item_for_user(request.user, pk)
    if "remove" in request.POST:
        attempt(request, lambda: services.item_unmark_plan(item_id=item.pk, actor=request.user),
                success=_("The annual-plan mark was removed."))
        return redirect("disclosure:item_detail", pk=item.pk)
    form = AnnualPlanForm(item.organization, request.POST)
    if not form.is_valid():
        flash_errors(request, form)
    else:
        data = form.cleaned_data
        attempt(request, lambda: services.item_mark_plan(
            item_id=item.pk, actor=request.user, catalog=data["catalog"], year=data["year"]),
            success=_("Marked as the annual plan."))
    return redirect("disclosure:item_detail", pk=item.pk)


def annual_plan_form(user, item) -> AnnualPlanForm | None:
    """Return the form marking ``item`` as an annual plan, for the issuer's secretaries of
    an organization that issues catalogs (None otherwise)."""
    if item.is_withdrawn or not acts_for(user, item.organization_id):
        return None
    form = AnnualPlanForm(item.organization)
    return form if form.fields["catalog"].queryset.exists() else None  # type: ignore[attr-defined]
