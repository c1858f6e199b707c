"""The figures of a year-end report, for an organization's subtree and one calendar year.

Each figure is one function of ``(organization_ids, year)`` that reads with a fixed number
of queries (counts grouped in the database; durations from the rows of that year and
subtree only) and returns plain JSON values, so a report keeps them as its snapshot.
``compute_figures`` gathers them all. Days are calendar days, rounded to one decimal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils import timezone

from catalog.models import Category, PublicAudience
from disclosure.ledger import ledger_counts
from disclosure.models import (
    PUBLISHED_STATES,
    DisclosureItem,
    DisclosureRequest,
    NonDisclosureFiling,
    Obligation,
    PublicityResult,
)
from feedback.models import Ballot, Feedback, RectificationOrder
from feedback.selectors import supervision_counts
from portal.models import Organization

Ids = list[int]


def subtree_ids(organization: Organization) -> Ids:
    """Return the ids of the organization and every organization below it."""
    return list(Organization.objects.filter(path__startswith=organization.path)
                .values_list("pk", flat=True))


def _days(pairs: Iterable[tuple]) -> dict:
    """Average and longest number of days between the two moments of each pair."""
    spans = [(end - start).total_seconds() / 86400 for start, end in pairs if start and end]
    if not spans:
        return {"average_days": None, "longest_days": None}
    return {"average_days": round(sum(spans) / len(spans), 1),
            "longest_days": round(max(spans), 1)}


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def items_by_category(organization_ids: Ids, year: int) -> dict:
    """Items published in the year, per category: within the party only, and beyond it
    (released to the unit or to society)."""
    rows = (DisclosureItem.objects
            .filter(organization_id__in=organization_ids, internal_at__year=year,
                    state__in=PUBLISHED_STATES)
            .values("category")
            .annotate(total=Count("pk"),
                      beyond=Count("pk", filter=Q(public_at__isnull=False)
                                   & ~Q(public_audience=PublicAudience.NONE))))
    found = {row["category"]: row for row in rows}
    table = {}
    for category in Category.values:
        row = found.get(category, {"total": 0, "beyond": 0})
        table[category] = {"total": row["total"], "beyond": row["beyond"],
                           "party_only": row["total"] - row["beyond"]}
    totals = {key: sum(row[key] for row in table.values())
              for key in ("total", "beyond", "party_only")}
    return {"by_category": table, **totals}


def on_time(organization_ids: Ids, year: int) -> dict:
    """Obligations due in the year (up to today): fulfilled on time, late, overdue, filed
    as not disclosable, and the on-time rate over those that had to be published."""
    today = timezone.localdate()
    states = Obligation.State
    counts = (Obligation.objects
              .filter(organization_id__in=organization_ids, due_date__year=year,
                      due_date__lte=today)
              .aggregate(due=Count("pk"),
                         on_time=Count("pk", filter=Q(state=states.ON_TIME)),
                         late=Count("pk", filter=Q(state=states.LATE)),
                         overdue=Count("pk", filter=Q(state__in=[states.OVERDUE, states.OPEN])),
                         filed=Count("pk", filter=Q(state=states.FILED))))
    counts["rate"] = _rate(counts["on_time"], counts["due"] - counts["filed"])
    return counts


def filings(organization_ids: Ids, year: int) -> dict:
    """Non-disclosure filings made in the year, per state."""
    rows = (NonDisclosureFiling.objects
            .filter(obligation__organization_id__in=organization_ids, filed_at__year=year)
            .values("state").annotate(n=Count("pk")))
    by_state = {state: 0 for state in NonDisclosureFiling.State.values}
    by_state.update({row["state"]: row["n"] for row in rows})
    return {"total": sum(by_state.values()), "by_state": by_state}


def applications(organization_ids: Ids, year: int) -> dict:
    """依申请公开: applications received in the year, how they were answered and how fast."""
    rows = list(DisclosureRequest.objects
                .filter(organization_id__in=organization_ids, submitted_at__year=year)
                .values_list("state", "submitted_at", "answered_at", "due_date"))
    by_state = Counter(state for state, *_ in rows)
    answered = [(submitted, answered) for _, submitted, answered, _ in rows if answered]
    late = sum(1 for _, _, answered, due in rows
               if answered and timezone.localtime(answered).date() > due)
    return {"total": len(rows), "answered": len(answered), "answered_late": late,
            "pending": len(rows) - len(answered),
            "by_state": {state: by_state.get(state, 0)
                         for state in DisclosureRequest.State.values},
            **_days(answered)}


def feedback(organization_ids: Ids, year: int) -> dict:
    """Opinions and suggestions (not objections) received in the year and their replies."""
    rows = list(Feedback.objects
                .filter(organization_id__in=organization_ids, received_at__year=year,
                        is_objection=False)
                .values_list("state", "received_at", "replied_at", "due_date"))
    replied = [(received, at) for _, received, at, _ in rows if at]
    late = sum(1 for _, _, at, due in rows if at and timezone.localtime(at).date() > due)
    not_accepted = sum(1 for state, *_ in rows if state == Feedback.State.REJECTED)
    return {"total": len(rows), "replied": len(replied), "replied_late": late,
            "not_accepted": not_accepted,
            "open": len(rows) - len(replied) - not_accepted, **_days(replied)}


def objections(organization_ids: Ids, year: int) -> dict:
    """公示: objections raised in the year, and the results recorded for 公示 items that
    ended in the year (no objection, objections handled, or still awaiting a conclusion)."""
    raised = (Feedback.objects
              .filter(organization_id__in=organization_ids, received_at__year=year,
                      is_objection=True)
              .aggregate(total=Count("pk"), items=Count("item", distinct=True),
                         replied=Count("pk", filter=Q(replied_at__isnull=False))))
    results = (DisclosureItem.objects
               .filter(organization_id__in=organization_ids, duration="short",
                       internal_at__year=year, state__in=PUBLISHED_STATES)
               .aggregate(publicity_items=Count("pk"),
                          no_objection=Count("pk", filter=Q(
                              publicity_result=PublicityResult.NO_OBJECTION)),
                          handled=Count("pk", filter=Q(
                              publicity_result=PublicityResult.OBJECTIONS_HANDLED)),
                          awaiting=Count("pk", filter=Q(
                              publicity_result="", publicity_conclusion_due__isnull=False))))
    return {**raised, **results}


def evaluation(organization_ids: Ids, year: int) -> dict:
    """民主评议: ballots cast in the year for organizations of the subtree, per rating, and
    the satisfaction rate (satisfied and fairly satisfied over all ballots), for all
    ballots and apart for members (signed in) and residents (one-time codes)."""
    rows = (Ballot.objects
            .filter(organization_id__in=organization_ids, cast_at__year=year)
            .values("rating", resident=ExpressionWrapper(Q(code__isnull=False),
                                                         output_field=BooleanField())).annotate(n=Count("pk")))
    ratings = Ballot.Rating.values

    def tally(part: list) -> dict:
        by_rating = {rating: 0 for rating in ratings}
        for row in part:
            by_rating[row["rating"]] += row["n"]
        total = sum(by_rating.values())
        content = by_rating[Ballot.Rating.SATISFIED] + by_rating[Ballot.Rating.FAIRLY]
        return {"total": total, "by_rating": by_rating, "satisfaction": _rate(content, total)}

    counted = list(rows)
    return {**tally(counted), "members": tally([r for r in counted if not r["resident"]]),
            "residents": tally([r for r in counted if r["resident"]])}


def rectification(organization_ids: Ids, year: int) -> dict:
    """限期整改: orders given in the year and their outcome; closed on time means verified
    by the deadline."""
    today = timezone.localdate()
    rows = list(RectificationOrder.objects
                .filter(organization_id__in=organization_ids, ordered_at__year=year)
                .values_list("state", "due_date", "closed_at"))
    closed_state = RectificationOrder.State.CLOSED
    closed = [(due, at) for state, due, at in rows if state == closed_state and at]
    return {"total": len(rows), "closed": len(closed),
            "closed_on_time": sum(1 for due, at in closed
                                  if timezone.localtime(at).date() <= due),
            "open": len(rows) - len(closed),
            "open_overdue": sum(1 for state, due, _ in rows
                                if state != closed_state and due < today)}


def ledger(organization_ids: Ids, year: int) -> dict[str, dict[str, int]]:
    """Offline acts per carrier (公开栏 postings, meetings, documents) recorded in the
    公开台账 for the year, voided records left out: carrier → {"records": n, "evidence": n}."""
    return ledger_counts(organization_ids, year)


def supervision(organization_ids: Ids, year: int) -> dict:
    """The supervision groups' year: inspection plans and inspections covering the subtree,
    their findings, and the rectification orders those findings opened."""
    counts = supervision_counts(organization_ids, year)
    return {**asdict(counts), "closed_rate": counts.closed_rate}


FIGURES = {
    "items": items_by_category, "on_time": on_time, "filings": filings,
    "applications": applications, "feedback": feedback, "objections": objections,
    "evaluation": evaluation, "rectification": rectification, "ledger": ledger,
    "supervision": supervision,
}


def compute_figures(organization: Organization, year: int) -> dict:
    """Every figure of the report for the organization's subtree in ``year``."""
    ids = subtree_ids(organization)
    figures = {name: figure(ids, year) for name, figure in FIGURES.items()}
    figures["scope"] = {"organization": organization.code, "name": organization.name,
                        "organizations": len(ids), "year": year,
                        "taken_at": timezone.now().replace(microsecond=0).isoformat()}
    return figures


def is_empty(figures: dict) -> bool:
    """Whether nothing at all happened in the subtree that year."""
    return not any([figures["items"]["total"], figures["on_time"]["due"],
                    figures["filings"]["total"], figures["applications"]["total"],
                    figures["feedback"]["total"], figures["objections"]["total"],
                    figures["evaluation"]["total"], figures["rectification"]["total"],
                    any(n["records"] for n in figures["ledger"].values()),
                    figures["supervision"]["inspections"]])
