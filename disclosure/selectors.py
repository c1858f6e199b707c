"""Reads of items for pages, all built on the visibility module."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from portal import workflow
from portal.models import Organization
from portal.permissions import load_for
from portal.roles import org_ids_with

from . import search
from .models import Attachment, DisclosureItem, State
from .visibility import public_items, visible_items, withdrawal_notices

LIST_RELATED = ("organization", "entry")


def item_for_user(user, item_id: int) -> DisclosureItem:
    """Load an item the user may see, or raise 404 as if it did not exist (one lookup
    within the visible items, the same for a hidden item as for a missing one)."""
    return load_for(user, DisclosureItem, pk=item_id)


def item_for_action(user, item_id: int, action: str) -> DisclosureItem:
    """Load an item for a page of ``action``: 404 unless the user may see it and holds the
    action's right (its state is the service's to check)."""
    item = item_for_user(user, item_id)
    if not workflow.has_right(user, item, action):
        raise Http404
    return item


def withdrawn_notice_item(user, item_id: int) -> DisclosureItem | None:
    """Return a withdrawn item whose notice ``user`` reads (it had reached them), or
    None."""
    return withdrawal_notices(user).filter(pk=item_id).first()


def attachment_for_user(user, attachment_id: int) -> Attachment:
    return load_for(user, Attachment, pk=attachment_id)


def filter_items(items: QuerySet[DisclosureItem], data: dict) -> QuerySet[DisclosureItem]:
    """Apply the browse filters (already validated) to a visible queryset; a keyword
    orders the result by relevance."""
    org: Organization | None = data.get("organization")
    if org is not None:
        if data.get("subtree"):
            items = items.filter(organization__path__startswith=org.path)
        else:
            items = items.filter(organization=org)
    if category := data.get("category"):
        items = items.filter(category=category)
    if duration := data.get("duration"):
        items = items.filter(duration=duration)
    if start := data.get("date_from"):
        items = items.filter(Q(public_at__date__gte=start)
                             | Q(public_at__isnull=True, internal_at__date__gte=start))
    if end := data.get("date_to"):
        items = items.filter(Q(public_at__date__lte=end)
                             | Q(public_at__isnull=True, internal_at__date__lte=end))
    if keyword := (data.get("q") or "").strip():
        items = search.search(items, keyword)
    return items


def browse_items(user) -> QuerySet[DisclosureItem]:
    """Return published items the user may see, newest first, for lists."""
    return (
        visible_items(user)
        .filter(state__in=[State.INTERNAL, State.PUBLIC])
        .select_related(*LIST_RELATED)
        .order_by("-internal_at", "-pk")
    )


def latest_public(limit: int = 10) -> list[DisclosureItem]:
    return list(public_items().select_related(*LIST_RELATED).order_by("-public_at")[:limit])


def member_items(user) -> QuerySet[DisclosureItem]:
    """Return the intra-party items of the organizations the user belongs to."""
    return (
        visible_items(user)
        .filter(organization_id__in=org_ids_with(user, "view_internal"),
                state__in=[State.INTERNAL, State.PUBLIC])
        .select_related(*LIST_RELATED)
        .order_by("-internal_at", "-pk")
    )


# The offline ledger's figures (for the year-end report and the dashboard) live with the
# ledger's other readers.
from .ledger import ledger_counts  # noqa: E402, F401
