"""Marking the annual plan (年度党务公开工作方案) of a catalog: an ordinary item of the
catalog's issuer, published through the item workflow, that the catalog's pages link to.

Only the issuer's secretaries mark it, only on the issuer's own items, one item per catalog
and year; a refused mark changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Catalog
from portal.models import User
from portal.roles import acts_for

from ..models import DisclosureItem

__all__ = ["item_mark_plan", "item_unmark_plan"]


def _lock(item_id: int, actor: User) -> DisclosureItem:
    item = DisclosureItem.objects.select_for_update().get(pk=item_id)
    if not acts_for(actor, item.organization_id):
        raise PermissionDenied
    return item


def _save(item: DisclosureItem, actor: User, reason: str) -> None:
    item._history_user = actor  # type: ignore[attr-defined]
    item._change_reason = reason  # type: ignore[attr-defined]
    item.save(update_fields=["plan_of", "plan_year"])


@transaction.atomic
def item_mark_plan(*, item_id: int, actor: User, catalog: Catalog,
                   year: int) -> DisclosureItem:
    """Mark the item as ``catalog``'s annual plan for ``year``."""
    item = _lock(item_id, actor)
    if item.is_withdrawn:
        raise ValidationError(_("A withdrawn item cannot be the annual plan."))
    if catalog.issuer_id != item.organization_id:
        raise ValidationError({"catalog": _(
            "Only an item of the catalog's issuer can be its annual plan.")})
    last = catalog.effective_until.year if catalog.effective_until else None
    if year < catalog.effective_from.year or (last is not None and year > last):
        raise ValidationError({"year": _("The catalog is not in force in %(year)s.") % {
            "year": year}})
    taken = (DisclosureItem.objects.select_for_update()
             .filter(plan_of=catalog, plan_year=year).exclude(pk=item.pk).first())
    if taken is not None:
        raise ValidationError({"year": _(
            "“%(title)s” is already the annual plan of this catalog for %(year)s; remove "
            "that mark first.") % {"title": taken.title, "year": year}})
    item.plan_of, item.plan_year = catalog, year
    _save(item, actor, _("Marked as the annual plan of %(catalog)s for %(year)s") % {
        "catalog": catalog, "year": year})
    return item


@transaction.atomic
def item_unmark_plan(*, item_id: int, actor: User) -> DisclosureItem:
    """Remove the item's annual-plan mark."""
    item = _lock(item_id, actor)
    if item.plan_of_id is None:
        raise ValidationError(_("This item is not marked as an annual plan."))
    item.plan_of, item.plan_year = None, None
    _save(item, actor, _("Annual-plan mark removed"))
    return item
