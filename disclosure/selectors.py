"""Reads of items for pages, all built on the visibility module."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from portal import caching, workflow
from portal.models import Organization
from portal.permissions import load_for
from portal.roles import org_ids_with, signed_in

from . import search
from .models import Attachment, DisclosureItem, State
from .visibility import public_items, public_q, visible_items, withdrawal_notices

LIST_RELATED = ("organization", "entry")


def item_for_user(user, item_id: int) -> DisclosureItem:
    """Load an item the user may see, or raise 404 as if it did not exist (one lookup
    within the visible items, the same for a hidden item as for a missing one)."""
    return load_for(user, DisclosureItem, pk=item_id)


def item_heading(user, item_id: int) -> tuple[str, dt.datetime | None] | None:
    """Return the title and the moment of withdrawal (None: not withdrawn) of an item the
    user may see, or None (the same lookup as :func:`item_for_user`, without the related
    records: for a page whose part is kept, which needs only the title around it)."""
    found = (visible_items(user).filter(pk=item_id).order_by()
             .values_list("title", "withdrawn_at"))
    return next(iter(found[:1]), None)


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
    if org is not None:  # its subtree, unless "only this organization" is asked for
        items = in_organization(items, org, subtree=not data.get("only"))
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


def in_organization(items: QuerySet[DisclosureItem], org: Organization, *,
                    subtree: bool = True) -> QuerySet[DisclosureItem]:
    """Narrow ``items`` to ``org``, with every organization below it if ``subtree``."""
    if subtree:
        return items.filter(organization__path__startswith=org.path)
    return items.filter(organization=org)


# Counts next to links (home page categories, the organization tree) are the counts of the
# lists the links open, for the reader who sees them. The part everyone sees is counted
# over the whole portal, so it is kept in the cache, keyed on a publication version that
# every save which may move an item into or out of the lists changes
# (:func:`publication_changed`): the next request after a release counts again. The part
# only this reader sees (intra-party items of their organizations, their grants) is small
# and counted on each request.
PUBLICATION = "publication"
# Within one version the counts are exact, and this bounds their memory. A cache of each
# process's own (no CACHE_URL: the demo, development) sees only its own bumps, so there the
# counts are refreshed after a short while as well.
COUNTS_SECONDS, LOCAL_COUNTS_SECONDS = 600, 30
COUNTED_BY = ("category", "organization")
# The fields of an item whose change may move it into or out of a list, or between counts.
LISTED_FIELDS = frozenset({"state", "public_at", "public_audience", "withdrawn_at",
                           "organization", "category"})


def browse_counts(user, by: str) -> dict:
    """Return {value: number of items of ``user``'s browse list} grouped by ``by``
    ("category", or "organization" for organization ids)."""
    if by not in COUNTED_BY:
        raise ValueError(by)
    counts = dict(_public_browse_counts(by))
    if signed_in(user):
        own = (browse_items(user).exclude(public_q()).order_by().values_list(by)
               .annotate(n=Count("pk")))
        for value, n in own:
            counts[value] = counts.get(value, 0) + n
    return counts


def _public_browse_counts(by: str) -> dict:
    def count() -> dict:
        rows = browse_items(AnonymousUser()).order_by().values_list(by).annotate(n=Count("pk"))
        return dict(rows)

    version = caching.version(PUBLICATION)
    if version is None:
        return count()
    seconds = COUNTS_SECONDS if caching.is_shared() else LOCAL_COUNTS_SECONDS
    return caching.remembered(f"browse-counts:{by}:{version}", count, seconds)


def publication_changed() -> None:
    """Make the next reader count again: now, and once more when the transaction commits
    (a reader between the two may have counted what was not committed yet)."""
    caching.bump(PUBLICATION)
    transaction.on_commit(lambda: caching.bump(PUBLICATION))


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
