"""待办: everything waiting for one person, gathered from every kind of record.

Each source names what is waiting and for whom through the record's own permission home
(``disclosure.permissions``, ``disclosure.visibility``, ``feedback.permissions``): the
to-do page lists its rows and the navigation shows their total, counted in one query of
subqueries. A source applies only to the roles that can act on it, read from the user's
rights already loaded, so that a member's pages (and anonymous ones) pay nothing.

This module is part of the top layer of ``portal`` and reads the other apps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from . import caching
from .models import User
from .pagecache import RECORDS
from .roles import (
    RIGHTS,
    acts_for_q,
    is_superuser,
    org_ids_with,
    overseen_q,
    reviews_for_q,
    rights_of,
    signed_in,
)


@dataclass(frozen=True)
class Row:
    """One thing waiting: what it is, whose, since when, by when, and where it is handled."""

    title: str
    organization: str
    since: dt.datetime | dt.date | None
    url: str
    deadline: dt.date | None = None
    note: Any = ""


@dataclass(frozen=True)
class Source:
    """One group of the to-do page."""

    key: str
    title: Promise
    roles: tuple[str, ...]  # the rights (codenames) of which one makes the group apply
    pending: Callable[[Any], QuerySet]
    row: Callable[[Any], Row]
    related: tuple[str, ...] = ()
    order: tuple[str, ...] = ("pk",)


@dataclass(frozen=True)
class Group:
    key: str
    title: Promise
    rows: list[Row]

    @property
    def count(self) -> int:
        return len(self.rows)


def _item_row(item) -> Row:
    return Row(item.title, item.organization.name, item.submitted_at,
               reverse("disclosure:item_detail", args=[item.pk]))


def _own_item_row(item) -> Row:
    return Row(item.title, item.organization.name, item.updated_at,
               reverse("disclosure:item_detail", args=[item.pk]),
               note=item.get_state_display())


def _plan_row(plan) -> Row:
    return Row(plan.title, plan.organization.name, plan.submitted_at,
               reverse("disclosure:plan_detail", args=[plan.pk]))


def _change_row(change) -> Row:
    return Row(change.item.title, change.item.organization.name, change.requested_at,
               reverse("disclosure:change_detail", args=[change.pk]),
               note=change.get_kind_display())


def _filing_row(filing) -> Row:
    obligation = filing.obligation
    return Row(obligation.entry.title, obligation.organization.name, filing.filed_at,
               reverse("disclosure:filing_detail", args=[filing.pk]))


def _request_row(request) -> Row:
    return Row(request.subject, request.organization.name, request.submitted_at,
               reverse("disclosure:request_detail", args=[request.pk]),
               deadline=request.due_date, note=request.get_state_display())


def _feedback_row(feedback) -> Row:
    return Row(Truncator(feedback.body).chars(40), feedback.organization.name,
               feedback.received_at, reverse("feedback:detail", args=[feedback.pk]),
               deadline=feedback.due_date, note=feedback.get_state_display())


def _order_row(order) -> Row:
    return Row(Truncator(order.finding).chars(40), order.organization.name, order.ordered_at,
               reverse("feedback:order_detail", args=[order.pk]),
               deadline=order.due_date, note=order.get_state_display())


def _conclusion_row(item) -> Row:
    return Row(item.title, item.organization.name, item.display_until,
               reverse("feedback:objections", args=[item.pk]),
               deadline=item.publicity_conclusion_due)


# The querysets, each from the record's permission home.

def _items_to_review(user) -> QuerySet:
    from disclosure.visibility import items_to_review

    return items_to_review(user)


def _own_items(user) -> QuerySet:
    """Items of the user's organizations sent back by the reviewer or approved and not yet
    published: the next step is theirs."""
    from disclosure.models import State

    return _managed_items(user).filter(state__in=[State.RETURNED, State.APPROVED])


def _managed_items(user) -> QuerySet:
    """Items ``user`` acts on for their organization (the twin of the items' ``manage``
    rule). Their officers see every item of their organization by the visibility rule, so
    the per-item grants need no lookup here."""
    from disclosure.models import DisclosureItem

    return DisclosureItem.objects.filter(acts_for_q(user))


def _plans(user) -> QuerySet:
    from disclosure.permissions import plans_to_decide

    return plans_to_decide(user)


def _changes(user) -> QuerySet:
    from disclosure.permissions import changes_to_decide

    return changes_to_decide(user)


def _filings(user) -> QuerySet:
    from disclosure.permissions import filings_to_decide

    return filings_to_decide(user)


def _requests(user) -> QuerySet:
    from disclosure.models import DisclosureRequest
    from disclosure.permissions import visible_requests

    waiting = (DisclosureRequest.State.SUBMITTED, DisclosureRequest.State.DISCLOSING)
    return visible_requests(user).filter(acts_for_q(user), state__in=waiting)


def _open_feedback(user, objections: bool) -> QuerySet:
    from feedback.models import OPEN_STATES
    from feedback.permissions import visible_feedback

    return visible_feedback(user).filter(acts_for_q(user), state__in=OPEN_STATES,
                                         is_objection=objections)


def _orders(user) -> QuerySet:
    """Orders to respond to (the organization's officers) or to verify (who ordered them:
    the supervisors of the subtree and the parent's reviewers)."""
    from feedback.models import RectificationOrder
    from feedback.permissions import visible_orders

    state = RectificationOrder.State
    respond = acts_for_q(user) & Q(state__in=[state.ORDERED, state.SENT_BACK])
    verify = (overseen_q(user) | reviews_for_q(user)) & Q(state=state.RESPONDED)
    return visible_orders(user).filter(respond | verify)


def _conclusions(user) -> QuerySet:
    from disclosure.models import awaiting_conclusion_q

    return _managed_items(user).filter(awaiting_conclusion_q())


REVIEW, PUBLISH, SUPERVISE = "review", "publish", "supervise"

SOURCES: tuple[Source, ...] = (
    Source("review", _("Items to review"), (REVIEW,), _items_to_review, _item_row,
           ("organization",), ("submitted_at", "pk")),
    Source("plans", _("Out-of-catalog work plans to decide"), (REVIEW,), _plans, _plan_row,
           ("organization",), ("submitted_at", "pk")),
    Source("changes", _("Change requests to decide"), (REVIEW,), _changes, _change_row,
           ("item__organization",), ("requested_at", "pk")),
    Source("filings", _("Non-disclosure filings to acknowledge"), (REVIEW,), _filings,
           _filing_row, ("obligation__organization", "obligation__entry"),
           ("filed_at", "pk")),
    Source("own_items", _("Your items returned or approved"), (PUBLISH,), _own_items,
           _own_item_row, ("organization",), ("updated_at", "pk")),
    Source("requests", _("Disclosure requests to answer"), (PUBLISH,), _requests,
           _request_row, ("organization",), ("due_date", "pk")),
    Source("feedback", _("Feedback to handle"), (PUBLISH,),
           lambda user: _open_feedback(user, False), _feedback_row, ("organization",),
           ("due_date", "pk")),
    Source("objections", _("Objections to handle"), (PUBLISH,),
           lambda user: _open_feedback(user, True), _feedback_row, ("organization",),
           ("due_date", "pk")),
    Source("conclusions", _("Publicity conclusions to record"), (PUBLISH,), _conclusions,
           _conclusion_row, ("organization",), ("publicity_conclusion_due", "pk")),
    Source("orders", _("Rectification orders to act on"), (PUBLISH, REVIEW, SUPERVISE),
           _orders, _order_row, ("organization",), ("due_date", "pk")),
)


def sources_for(user) -> list[Source]:
    """Return the sources that apply to ``user``'s roles (none for anonymous visitors and
    for people who hold no officer's, reviewer's or supervisor's right)."""
    if not signed_in(user):
        return []
    if is_superuser(user):
        return list(SOURCES)
    held = {codename for codename in (REVIEW, PUBLISH, SUPERVISE) if org_ids_with(user, codename)}
    return [source for source in SOURCES if held.intersection(source.roles)]


def groups(user) -> list[Group]:
    """Return the to-do page's groups for ``user``, each with its rows, oldest first."""
    found = []
    for source in sources_for(user):
        rows = source.pending(user).select_related(*source.related).order_by(*source.order)
        found.append(Group(source.key, source.title,
                           [source.row(obj) for obj in rows]))
    return found


def _count(queryset: QuerySet) -> Coalesce:
    # A constant in values() adds nothing to GROUP BY: the subquery counts all its rows.
    counted = queryset.order_by().values(one=Value(1)).annotate(n=Count("pk", distinct=True))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), 0)


def count(user) -> int:
    """Return how many things wait for ``user``: the total of :func:`groups`, in one
    query (none for a user no source applies to), kept in the cache until a record of the
    portal or the user's rights change, or the day does (what is overdue)."""
    sources = sources_for(user)
    if not sources:
        return 0
    return caching.stamped(
        f"todo-count:{user.pk}", (RIGHTS, rights_of(user.pk), RECORDS),
        lambda: _count_now(user, sources), COUNT_SECONDS, stamp=timezone.localdate(),
        shared_only=True)


COUNT_SECONDS = caching.FRESH_SECONDS


def _count_now(user, sources) -> int:
    counts = User.objects.filter(pk=user.pk).values(
        **{f"todo_{source.key}": _count(source.pending(user)) for source in sources}).first()
    return sum(counts.values()) if counts else 0


def workplace_url(user) -> str:
    """Return where ``user`` starts after signing in: the to-do page for whoever has work
    waiting by role (officers, reviewers, supervisors), the intra-party page for members,
    and the disclosures they may read for everyone else."""
    if sources_for(user):
        return reverse("todo")
    if signed_in(user) and org_ids_with(user, "view_internal"):
        return reverse("disclosure:member_items")
    return reverse("disclosure:item_list")
