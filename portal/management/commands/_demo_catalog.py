"""Demo: the committee's annual plan (年度党务公开方案), published as its own item, marked
as the plan of its catalog so that every catalog page in its tree links to it."""

from __future__ import annotations

from django.utils import timezone

from disclosure import services
from disclosure.models import DisclosureItem


def seed(orgs, users) -> None:
    """Mark the committee's published plan of this year as its own catalog's plan (once)."""
    year = timezone.localdate().year
    committee = orgs["CD"]
    if DisclosureItem.objects.filter(organization=committee, plan_year=year).exists():
        return
    plan = (DisclosureItem.objects
            .filter(organization=committee, title__contains=f"{year}年度党务公开",
                    state__in=["internal", "public"], withdrawn_at__isnull=True)
            .select_related("entry__catalog").order_by("pk").first())
    if plan is None:
        return
    services.item_mark_plan(item_id=plan.pk, actor=users["cd_secretary"],
                            catalog=plan.entry.catalog, year=year)
