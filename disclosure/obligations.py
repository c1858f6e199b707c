"""Obligations: what each organization must disclose under the catalog, and by when.

Periodic entries owe one item per period, due a number of working days after the period
ends; timely entries owe one per event, due a number of working days after it. Generation is
idempotent through the unique (entry, organization, period start) constraint: each
obligation and its prepared draft are created together in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from simple_history.utils import bulk_create_with_history

from catalog.models import RULE_FIELDS, Catalog, CatalogEntry, Frequency, catalog_in_force
from portal import deadlines, pagecache
from portal.calendar import add_working_days, period_containing
from portal.models import Organization
from portal.system import system_user

from . import search
from .ledger import mark_missing_carriers
from .models import PUBLISHED_STATES, DisclosureItem, NonDisclosureFiling, Obligation
from .models import State as ItemState

logger = logging.getLogger(__name__)
State = Obligation.State


def periodic_entries(today: dt.date) -> QuerySet[CatalogEntry]:
    return CatalogEntry.objects.filter(
        catalog_in_force(today), active=True, frequency=Frequency.PERIODIC,
        only_for__isnull=True,
    ).select_related("catalog", "catalog__issuer")


def bound_organizations(catalog: Catalog) -> QuerySet[Organization]:
    """Return the active organizations the catalog binds."""
    return catalog.bound_organizations()


def draft_title(entry: CatalogEntry, start: dt.date) -> str:
    """Return e.g. "2026年第四季度党费收缴、管理和使用情况", in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        label = period_containing(entry.period, start).label()
    return f"{label}{entry.title}"


GENERATION_LOCK = 727_112  # pg_advisory_xact_lock key: one generating transaction at a time


def _lock_generation() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GENERATION_LOCK])


def _create_for(entry: CatalogEntry, period, due: dt.date, title: str, org_ids: list[int],
                system, limit: int | None) -> int:
    """Create, in one transaction, the obligations of one period for those of ``org_ids``
    that have none: fulfilled at once by an item already published for the period, or
    pointing at the organization's existing item, or at a draft prepared here. Set-based:
    a handful of queries whatever the number of organizations."""
    with transaction.atomic():
        _lock_generation()  # a concurrent run waits here, then finds these obligations
        have = set(Obligation.objects.filter(
            entry=entry, period_start=period.start, organization_id__in=org_ids,
        ).values_list("organization_id", flat=True))
        missing = [pk for pk in org_ids if pk not in have][:limit]
        if not missing:
            return 0
        published: dict[int, DisclosureItem] = {}
        existing: dict[int, DisclosureItem] = {}
        for item in (DisclosureItem.objects.filter(
                entry=entry, period_start=period.start, organization_id__in=missing)
                .exclude(state=ItemState.WITHDRAWN).order_by("internal_at", "pk")):
            existing.setdefault(item.organization_id, item)
            if item.state in PUBLISHED_STATES:
                published.setdefault(item.organization_id, item)
        drafts = _prepare_drafts(entry, period, title,
                                 [pk for pk in missing if pk not in existing], system)
        rows = []
        for org_id in missing:
            obligation = Obligation(entry=entry, organization_id=org_id,
                                    period_start=period.start, period_end=period.end,
                                    due_date=due)
            if (done := published.get(org_id)) is not None:
                done_at = timezone.localtime(done.internal_at or timezone.now())
                obligation.state = State.ON_TIME if done_at.date() <= due else State.LATE
                obligation.fulfilled_by, obligation.fulfilled_at = done, done_at
            else:
                obligation.draft = existing.get(org_id) or drafts[org_id]
            rows.append(obligation)
        bulk_create_with_history(rows, Obligation, default_user=system)
        pagecache.records_changed()  # bulk creation sends no signal: officers' pages, 待办
        # An existing item may have been published since it was read: re-read under lock.
        waiting = [o.draft_id for o in rows if o.draft_id and o.organization_id not in drafts]
        for item in DisclosureItem.objects.select_for_update().filter(
                pk__in=waiting, state__in=PUBLISHED_STATES):
            fulfil(item)
    return len(missing)


def _prepare_drafts(entry: CatalogEntry, period, title: str, org_ids: list[int],
                    system) -> dict[int, DisclosureItem]:
    """Create the prepared drafts of one period, with their history and search vector (the
    same for all, written with the rows: an update afterwards would write each row twice)."""
    if not org_ids:
        return {}
    vector = search.tsvector_literal(title, entry.body_template) if search.is_postgres() else None
    drafts = [DisclosureItem(
        organization_id=org_id, entry=entry, title=title, body=entry.body_template,
        category=entry.category, period_start=period.start, period_end=period.end,
        created_by=system, search_vector=vector,
        **{name: getattr(entry, name) for name in RULE_FIELDS},
    ) for org_id in org_ids]
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Draft prepared for the period")
    bulk_create_with_history(drafts, DisclosureItem, default_user=system,
                             default_change_reason=reason)
    return {d.organization_id: d for d in drafts}


def generate_periodic_obligations(today: dt.date | None = None, *, batch: int = 500,
                                  limit: int | None = None) -> int:
    """Create the obligations (and drafts) of every period that has opened by ``today``
    and is not yet due; return how many were created. Each batch of organizations is one
    transaction, so an interrupted run leaves whole batches and the next run adds the rest."""
    today = today or timezone.localdate()
    system = system_user()
    created = 0
    for entry in periodic_entries(today):
        current = period_containing(entry.period, today)
        periods = [current]
        previous = current.previous()
        if add_working_days(previous.end, entry.due_days) >= today:
            periods.insert(0, previous)
        org_ids = list(bound_organizations(entry.catalog).order_by("pk")
                       .values_list("pk", flat=True))
        for period in periods:
            due = add_working_days(period.end, entry.due_days)
            title = draft_title(entry, period.start)
            for start in range(0, len(org_ids), batch):
                room = None if limit is None else limit - created
                created += _create_for(entry, period, due, title, org_ids[start:start + batch],
                                       system, room)
                if limit is not None and created >= limit:
                    return created
    return created


def timely_obligation(item: DisclosureItem) -> Obligation | None:
    """Create (or find) the obligation a timely item's event brings about."""
    if item.frequency != Frequency.TIMELY or item.event_date is None:
        return None
    obligation, _ = Obligation.objects.get_or_create(
        entry=item.entry, organization=item.organization, period_start=item.event_date,
        defaults={"period_end": item.event_date, "draft": item,
                  "due_date": add_working_days(item.event_date, item.entry.due_days)},
    )
    return obligation


def fulfil(item: DisclosureItem) -> Obligation | None:
    """Mark the pending obligation this item answers as fulfilled (on time or late)."""
    start = item.event_date if item.frequency == Frequency.TIMELY else item.period_start
    if start is None:
        return None
    obligation = (
        Obligation.objects.select_for_update()
        .filter(Q(entry=item.entry, organization=item.organization, period_start=start)
                | Q(draft=item), state__in=[State.OPEN, State.OVERDUE])
        .order_by("pk").first()
    )
    if obligation is None:
        return None
    published = timezone.localtime(item.internal_at or timezone.now())
    obligation.state = State.ON_TIME if published.date() <= obligation.due_date else State.LATE
    obligation.fulfilled_by, obligation.fulfilled_at = item, published
    obligation.save(update_fields=["state", "fulfilled_by", "fulfilled_at"])
    return obligation


def follow_dates(item: DisclosureItem) -> None:
    """Move the pending obligation an item was prepared for (or created) to the item's
    edited event date or period, so that it can still be fulfilled."""
    start = item.event_date if item.frequency == Frequency.TIMELY else item.period_start
    obligation = pending_obligations().select_for_update().filter(draft=item).first()
    if obligation is None or start is None or obligation.period_start == start:
        return
    end = item.event_date if item.frequency == Frequency.TIMELY else item.period_end
    clash = Obligation.objects.filter(entry=item.entry, organization=item.organization,
                                      period_start=start).exclude(pk=obligation.pk).first()
    if clash is not None:
        # The new date already has its obligation: link the item there instead.
        if clash.draft_id is None:
            obligation.draft = None
            obligation.save(update_fields=["draft"])
            clash.draft = item
            clash.save(update_fields=["draft"])
        return
    obligation.period_start, obligation.period_end = start, end or start
    obligation.due_date = add_working_days(obligation.period_end, item.entry.due_days)
    obligation.state = State.OPEN
    obligation.save(update_fields=["period_start", "period_end", "due_date", "state"])


def mark_overdue(today: dt.date | None = None, *, batch: int = 500) -> int:
    """Turn open obligations past their due date into overdue ones; return how many."""
    today = today or timezone.localdate()
    system = system_user()
    count = 0
    while True:
        ids = list(Obligation.objects.filter(state=State.OPEN, due_date__lt=today)
                   .values_list("pk", flat=True)[:batch])
        for pk in ids:
            with transaction.atomic():
                row = Obligation.objects.select_for_update().filter(
                    pk=pk, state=State.OPEN, due_date__lt=today).first()
                if row is None:
                    continue
                row.state = State.OVERDUE
                row._history_user = system  # type: ignore[attr-defined]
                row.save(update_fields=["state"])
                count += 1
        if len(ids) < batch:
            return count


def pending_obligations() -> QuerySet[Obligation]:
    """Obligations that still need action, of organizations that still exist."""
    return Obligation.objects.filter(state__in=[State.OPEN, State.OVERDUE],
                                     organization__is_active=True)


deadlines.register(deadlines.DeadlineSource(
    name="obligation", pending=pending_obligations, related=("organization", "entry")))


def calendar_for(org: Organization, today: dt.date | None = None) -> dict[str, list]:
    """Return the organization's obligations for the secretary's calendar: overdue, due
    this month, coming up, done this month, and filed as not disclosable for now. Each row
    carries its non-disclosure filings, the latest first, as ``filing_list``, and (except
    filed ones) the offline carriers its entry requires that the ledger has no record of,
    as ``ledger_missing``."""
    today = today or timezone.localdate()
    month = period_containing("month", today)
    latest = NonDisclosureFiling.objects.order_by("obligation_id", "-filed_at", "-pk")
    rows = (Obligation.objects.filter(organization=org)
            .filter(Q(state__in=[State.OPEN, State.OVERDUE, State.FILED])
                    | Q(fulfilled_at__date__gte=month.start) | Q(due_date__gte=month.start))
            .select_related("entry", "draft", "fulfilled_by")
            .prefetch_related(Prefetch("filings", queryset=latest, to_attr="filing_list"))
            .order_by("due_date", "entry__order"))
    result: dict[str, list] = {"overdue": [], "due": [], "upcoming": [], "done": [],
                               "filed": []}
    listed = list(rows)
    mark_missing_carriers([row for row in listed if row.state != State.FILED])
    for row in listed:
        describe_row(row, today)
        if row.state == State.FILED:
            result["filed"].append(row)
        elif row.state == State.OVERDUE or (row.state == State.OPEN and row.due_date < today):
            result["overdue"].append(row)
        elif row.state == State.OPEN and row.due_date <= month.end:
            result["due"].append(row)
        elif row.state == State.OPEN:
            result["upcoming"].append(row)
        elif row.fulfilled_at and timezone.localtime(row.fulfilled_at).date() >= month.start:
            result["done"].append(row)
    return result


# A calendar row says where the obligation stands (its status) apart from what can be done
# about it (its actions): the status of a filed or filing obligation is the filing.
CALENDAR_STATUS = {
    "open": pgettext_lazy("calendar status", "To be disclosed"),
    "overdue": pgettext_lazy("calendar status", "Overdue"),
    "on_time": pgettext_lazy("calendar status", "Disclosed"),
    "late": pgettext_lazy("calendar status", "Disclosed late"),
    "filing": pgettext_lazy("calendar status", "Filed, awaiting acknowledgement"),
    "filed": pgettext_lazy("calendar status", "Filed as not disclosable"),
}


def describe_row(row: Obligation, today: dt.date) -> None:
    """Set the calendar row's ``status`` (key into :data:`CALENDAR_STATUS`),
    ``status_label``, ``filing`` (the filing the status is about, if any),
    ``returned_filing`` (a filing the parent returned, still to be seen) and ``may_file``
    (whether filing it as not disclosable is open now)."""
    latest = row.filing_list[0] if row.filing_list else None  # type: ignore[attr-defined]
    row.filing = row.returned_filing = None  # type: ignore[attr-defined]
    if row.state == State.FILED:
        status, row.filing = "filed", latest  # type: ignore[attr-defined]
    elif latest is not None and latest.is_awaiting and row.is_pending:
        status, row.filing = "filing", latest  # type: ignore[attr-defined]
    elif row.state == State.OVERDUE or (row.state == State.OPEN and row.due_date < today):
        status = "overdue"
    else:
        status = row.state
    if (row.is_pending and latest is not None
            and latest.state == NonDisclosureFiling.State.RETURNED):
        row.returned_filing = latest  # type: ignore[attr-defined]
    row.status = status  # type: ignore[attr-defined]
    row.status_label = CALENDAR_STATUS[status]  # type: ignore[attr-defined]
    row.may_file = row.is_pending and status != "filing"  # type: ignore[attr-defined]
