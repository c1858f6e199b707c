"""Reading the offline ledger: which offline carriers an obligation or an item still lacks
a record for, the gaps per organization for the supervisors' dashboard, and the figures per
carrier that the year-end report reads. Every function runs a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from catalog.models import Carrier, CatalogEntry

from .models import (
    OFFLINE_CARRIERS,
    DisclosureItem,
    LedgerEvidence,
    LedgerRecord,
    Obligation,
    offline_carriers,
)

DONE = (Obligation.State.ON_TIME, Obligation.State.LATE)
LABELS: dict[str, str] = {value: str(label) for value, label in Carrier.choices}


def _recorded(obligation_ids: Iterable[int], item_ids: Iterable[int]) -> tuple[dict, dict]:
    """Return the carriers recorded (standing records only) per obligation and per item."""
    by_obligation: dict[int, set[str]] = defaultdict(set)
    by_item: dict[int, set[str]] = defaultdict(set)
    obligation_ids, item_ids = list(obligation_ids), list(item_ids)
    if not obligation_ids and not item_ids:
        return by_obligation, by_item
    rows = (LedgerRecord.objects.filter(state=LedgerRecord.State.RECORDED)
            .filter(Q(obligation_id__in=obligation_ids) | Q(item_id__in=item_ids))
            .values_list("obligation_id", "item_id", "carrier"))
    for obligation_id, item_id, carrier in rows:
        if obligation_id is not None:
            by_obligation[obligation_id].add(carrier)
        if item_id is not None:
            by_item[item_id].add(carrier)
    return by_obligation, by_item


def _missing(required: list[str], *found: set[str]) -> list[str]:
    have = set().union(*found)
    return [carrier for carrier in required if carrier not in have]


def mark_missing_carriers(obligations: list[Obligation]) -> None:
    """Set ``ledger_missing`` on each obligation (its entry loaded): the offline carriers its
    entry requires with no standing record for the obligation or for its item, as
    ``(carrier, label)`` pairs. One query, none when no entry requires an offline carrier."""
    for o in obligations:
        o.ledger_missing = []  # type: ignore[attr-defined]
    obligations = [o for o in obligations if offline_carriers(o.entry.carriers)]
    item_ids = {o.fulfilled_by_id for o in obligations if o.fulfilled_by_id}
    by_obligation, by_item = _recorded([o.pk for o in obligations], item_ids)
    for o in obligations:
        required = offline_carriers(o.entry.carriers)
        missing = _missing(required, by_obligation.get(o.pk, set()),
                           by_item.get(o.fulfilled_by_id, set()) if o.fulfilled_by_id else set())
        o.ledger_missing = [(c, LABELS[c]) for c in missing]  # type: ignore[attr-defined]


def missing_for_item(item: DisclosureItem) -> list[tuple[str, str]]:
    """Return the offline carriers the item's entry requires that have no standing record
    for the item (or for the obligation it fulfils)."""
    required = offline_carriers(item.entry.carriers)
    if not required:
        return []
    obligation_ids = list(item.fulfilled_obligations.values_list("pk", flat=True))
    by_obligation, by_item = _recorded(obligation_ids, [item.pk])
    found = [by_item.get(item.pk, set()), *(by_obligation.get(pk, set())
                                             for pk in obligation_ids)]
    return [(c, LABELS[c]) for c in _missing(required, *found)]


def gaps_by_organization(organization_ids, year: int) -> dict[int, int]:
    """Return, per organization, how many (fulfilled obligation, required offline carrier)
    pairs due in ``year`` have no standing ledger record. Three queries, whatever the number
    of organizations."""
    obligations = Obligation.objects.filter(organization_id__in=organization_ids,
                                            state__in=DONE, due_date__year=year)
    required = {pk: offline_carriers(carriers) for pk, carriers in CatalogEntry.objects.filter(
        pk__in=obligations.values("entry_id")).values_list("pk", "carriers")}
    required = {pk: carriers for pk, carriers in required.items() if carriers}
    if not required:
        return {}
    rows = list(obligations.filter(entry_id__in=list(required)).values_list(
        "pk", "organization_id", "entry_id", "fulfilled_by_id"))
    by_obligation, by_item = _recorded([r[0] for r in rows], {r[3] for r in rows if r[3]})
    gaps: dict[int, int] = defaultdict(int)
    for pk, organization_id, entry_id, item_id in rows:
        missing = _missing(required[entry_id], by_obligation.get(pk, set()),
                           by_item.get(item_id, set()) if item_id else set())
        if missing:
            gaps[organization_id] += len(missing)
    return dict(gaps)


def ledger_counts(organization_ids, year: int) -> dict[str, dict[str, int]]:
    """Return, per offline carrier, the standing ledger records of the organizations dated
    in ``year`` and their evidence files: ``{"notice_board": {"records": 3, "evidence": 5},
    "meeting": {...}, "document": {...}}`` (every carrier present, zeros included). Voided
    records do not count. Two queries."""
    records = LedgerRecord.objects.filter(organization_id__in=organization_ids,
                                          state=LedgerRecord.State.RECORDED, date__year=year)
    counts = {str(c): {"records": 0, "evidence": 0} for c in OFFLINE_CARRIERS}
    for row in records.values("carrier").annotate(n=Count("pk")):
        counts[row["carrier"]]["records"] = row["n"]
    files = (LedgerEvidence.objects.filter(record__in=records).values("record__carrier")
             .annotate(n=Count("pk")).values_list("record__carrier", "n"))
    for carrier, n in files:
        counts[carrier]["evidence"] = n
    return counts


def ledger_years(records: QuerySet[LedgerRecord]) -> list[int]:
    """Return the years of the records, latest first."""
    return sorted({d.year for d in records.dates("date", "year")}, reverse=True)
