"""What an organization's catalog requires of it, for its published catalog page: the
entries the reader may read, when each is due, and the state of each obligation this year.

What a reader may read is decided in :mod:`disclosure.permissions`
(``reads_whole_catalog``, ``catalog_entries_q``); items are linked only where
:func:`disclosure.visibility.visible_items` lets the reader open them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Catalog, CatalogEntry, catalog_in_force
from portal.calendar import add_working_days, period_containing
from portal.dates import date_text
from portal.models import Organization

from .models import DisclosureItem, Obligation
from .permissions import catalog_entries_q, reads_whole_catalog
from .visibility import visible_items

State = Obligation.State

# The states a reader sees: an open obligation is due until its date passes, then overdue
# (whether or not the nightly run has marked it yet).
STATUSES = {
    "on_time": gettext_lazy("Done on time"),
    "late": gettext_lazy("Done late"),
    "due": gettext_lazy("Due"),
    "overdue": gettext_lazy("Overdue"),
    "filed": gettext_lazy("Filed as not disclosable"),
}


def status(obligation: Obligation, today: dt.date) -> str:
    if obligation.state == State.OPEN:
        return "overdue" if obligation.due_date < today else "due"
    return str(obligation.state)


@dataclass
class ObligationRow:
    obligation: Obligation
    status: str
    item: DisclosureItem | None  # the item answering it, when the reader may open it

    @property
    def status_label(self) -> str:
        return str(STATUSES[self.status])


@dataclass
class EntryRow:
    entry: CatalogEntry
    by_when: str
    obligations: list[ObligationRow] = field(default_factory=list)


def catalog_entries(user, organization: Organization) -> QuerySet[CatalogEntry]:
    """Return the entries of the catalogs in force that bind the organization and that
    ``user`` may read, in catalog order."""
    return (CatalogEntry.objects.for_organization(organization)
            .filter(catalog_entries_q(user, organization))
            .order_by("catalog__name", "order", "code"))


class DueDates:
    """The due dates of the current periods, each computed once per page."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self._found: dict[tuple[dt.date, int], dt.date] = {}

    def due(self, end: dt.date, days: int) -> dt.date:
        if (end, days) not in self._found:
            self._found[end, days] = add_working_days(end, days)
        return self._found[end, days]

    def by_when(self, entry: CatalogEntry) -> str:
        if entry.is_periodic and entry.period:
            period = period_containing(entry.period, self.today)
            return _("%(period)s: %(label)s due %(date)s (%(days)s working days after the "
                     "period ends)") % {
                "period": entry.get_period_display(), "label": period.label(),
                "date": date_text(self.due(period.end, entry.due_days)),
                "days": entry.due_days}
        return _("Within %(days)s working days after the matter happens") % {
            "days": entry.due_days}


def entry_rows(user, organization: Organization, entries: list[CatalogEntry],
               today: dt.date) -> list[EntryRow]:
    """Return the page's entries with their obligations of this year, each linked to its
    item only where ``user`` may open it: three queries whatever the number of rows."""
    dates = DueDates(today)
    rows = {entry.pk: EntryRow(entry, dates.by_when(entry)) for entry in entries}
    obligations = list(Obligation.objects.filter(
        organization=organization, entry_id__in=list(rows), period_start__year=today.year,
    ).order_by("due_date", "pk"))
    wanted = {pk for o in obligations if (pk := o.fulfilled_by_id or o.draft_id)}
    readable = {item.pk: item for item in visible_items(user).filter(pk__in=wanted).only(
        "pk", "title", "state", "organization_id")} if wanted else {}
    for obligation in obligations:
        item = readable.get(obligation.fulfilled_by_id or obligation.draft_id or 0)
        rows[obligation.entry_id].obligations.append(
            ObligationRow(obligation, status(obligation, today), item))
    return list(rows.values())


def state_counts_q(today: dt.date) -> dict[str, Count]:
    """The per-state counts of obligations, as aggregates."""
    return {
        "on_time": Count("pk", filter=Q(state=State.ON_TIME)),
        "late": Count("pk", filter=Q(state=State.LATE)),
        "due": Count("pk", filter=Q(state=State.OPEN, due_date__gte=today)),
        "overdue": Count("pk", filter=Q(state=State.OVERDUE)
                         | Q(state=State.OPEN, due_date__lt=today)),
        "filed": Count("pk", filter=Q(state=State.FILED)),
    }


def subtree_counts(user, organizations: list[Organization],
                   today: dt.date) -> dict[int, dict[str, int]]:
    """Return {organization id: {status: count}} of this year's obligations, counting for
    each organization only the entries ``user`` may read there: one query."""
    readable = Q(pk__in=[])
    for org in organizations:
        readable |= Q(organization_id=org.pk) & catalog_entries_q(user, org, "entry__")
    rows = (Obligation.objects.filter(readable, period_start__year=today.year)
            .order_by().values("organization_id").annotate(**state_counts_q(today)))
    found: dict[int, dict[str, int]] = {
        row["organization_id"]: {key: row[key] for key in STATUSES}  # type: ignore[literal-required]
        for row in rows}
    empty = dict.fromkeys(STATUSES, 0)
    return {org.pk: found.get(org.pk, empty) for org in organizations}


def plans(user, organization: Organization, today: dt.date) -> list[DisclosureItem]:
    """Return this year's annual plans of the organization and of the organizations above
    it that have a catalog in force, those that ``user`` may open."""
    issuers = set(Catalog.objects.filter(
        catalog_in_force(today, prefix=""), issuer_id__in=_ancestor_ids(organization),
    ).values_list("issuer_id", flat=True))
    issuers.add(organization.pk)
    return list(visible_items(user).filter(
        plan_year=today.year, plan_of__issuer_id__in=issuers, withdrawn_at__isnull=True)
        .select_related("plan_of", "organization").order_by("organization__path", "pk"))


def _ancestor_ids(organization: Organization) -> list[int]:
    return [int(p) for p in organization.path.strip("/").split("/") if p]


__all__ = ["STATUSES", "EntryRow", "ObligationRow", "catalog_entries", "entry_rows",
           "plans", "reads_whole_catalog", "status", "subtree_counts"]
