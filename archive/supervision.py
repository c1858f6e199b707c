"""What supervisors (and reviewers) oversee: compliance figures and the audit history of
their subtree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, F, Q, QuerySet, Value
from django.utils import timezone

from disclosure.ledger import gaps_by_organization
from disclosure.models import DisclosureItem, Obligation
from portal.calendar import period_containing
from portal.models import Membership, Organization
from portal.roles import reviews_for_q, supervised_subtree_q

State = Obligation.State


def overseen_organizations(user) -> QuerySet[Organization]:
    """Return the organizations whose compliance ``user`` watches: every organization in a
    subtree they supervise, and the organizations whose work they review."""
    if user.is_superuser:
        return Organization.objects.filter(is_active=True)
    query = reviews_for_q(user, prefix="")
    if (subtree := supervised_subtree_q(user)) is not None:
        query |= subtree
    return Organization.objects.filter(query, is_active=True)


def supervised_organizations(user) -> QuerySet[Organization]:
    """Return the organizations whose audit history ``user`` may read (supervisors only)."""
    if user.is_superuser:
        return Organization.objects.all()
    subtree = supervised_subtree_q(user)
    return Organization.objects.filter(subtree) if subtree is not None else (
        Organization.objects.none())


@dataclass
class Row:
    organization: Organization
    due: int
    on_time: int
    late: int
    overdue: int
    open: int
    filed: int
    feedback_open: int = 0
    feedback_days: float | None = None
    request_days: float | None = None
    rectifications_open: int = 0
    satisfaction: float | None = None
    ledger_missing: int = 0  # offline carriers not recorded for this year's fulfilled ones

    @property
    def on_time_rate(self) -> float | None:
        judged = self.on_time + self.late + self.overdue
        return round(100 * self.on_time / judged, 1) if judged else None


def compliance(orgs: QuerySet[Organization], today: dt.date | None = None) -> list[Row]:
    """Return obligation figures per organization, and how many offline carriers this
    year's fulfilled obligations lack a ledger record for, in a fixed number of queries."""
    today = today or timezone.localdate()
    counts = (
        Obligation.objects.filter(organization__in=orgs)
        .values("organization_id")
        .annotate(
            due=Count("pk", filter=Q(due_date__lte=today) | ~Q(state=State.OPEN)),
            on_time=Count("pk", filter=Q(state=State.ON_TIME)),
            late=Count("pk", filter=Q(state=State.LATE)),
            overdue=Count("pk", filter=Q(state=State.OVERDUE)),
            open=Count("pk", filter=Q(state=State.OPEN)),
            filed=Count("pk", filter=Q(state=State.FILED)),
        )
    )
    by_org = {row["organization_id"]: {k: v for k, v in row.items() if k != "organization_id"}
              for row in counts}
    empty = {"due": 0, "on_time": 0, "late": 0, "overdue": 0, "open": 0, "filed": 0}
    rows = [Row(org, **by_org.get(org.pk, empty)) for org in orgs.order_by("path")]
    _add_voice_figures(rows, orgs)
    _add_satisfaction(rows)
    gaps = gaps_by_organization(orgs.values("pk"), today.year)
    for row in rows:
        row.ledger_missing = gaps.get(row.organization.pk, 0)
    return rows


def _days(delta) -> float | None:
    return round(delta.total_seconds() / 86400, 1) if delta is not None else None


FEEDBACK, REQUESTS, ORDERS = 1, 2, 3  # the kinds of row of the voice figures' query


def _add_voice_figures(rows: list[Row], orgs: QuerySet[Organization]) -> None:
    """Open feedback and its mean reply time, the mean answer time of applications and the
    open rectification orders, per organization: one query, each kind grouped by
    organization and the three put together (UNION ALL), as ``(organization, kind,
    number, mean time)``."""
    from disclosure.models import DisclosureRequest
    from feedback.models import OPEN_STATES, Feedback, RectificationOrder

    no_time = Value(None, output_field=DurationField())
    feedback = Feedback.objects.filter(organization__in=orgs).order_by().values(
        "organization_id").annotate(
        kind=Value(FEEDBACK), n=Count("pk", filter=Q(state__in=OPEN_STATES)),
        mean=Avg(F("replied_at") - F("received_at"), filter=Q(replied_at__isnull=False)),
    ).values_list("organization_id", "kind", "n", "mean")
    requests = DisclosureRequest.objects.filter(
        organization__in=orgs, answered_at__isnull=False).order_by().values(
        "organization_id").annotate(
        kind=Value(REQUESTS), n=Count("pk"), mean=Avg(F("answered_at") - F("submitted_at")),
    ).values_list("organization_id", "kind", "n", "mean")
    orders = RectificationOrder.objects.filter(organization__in=orgs).exclude(
        state=RectificationOrder.State.CLOSED).order_by().values("organization_id").annotate(
        kind=Value(ORDERS), n=Count("pk"), mean=no_time,
    ).values_list("organization_id", "kind", "n", "mean")
    figures = {(org_id, kind): (n, mean) for org_id, kind, n, mean in
               feedback.union(requests, orders, all=True)}
    for row in rows:
        pk = row.organization.pk
        row.feedback_open, reply = figures.get((pk, FEEDBACK), (0, None))
        row.feedback_days = _days(reply)
        row.request_days = _days(figures.get((pk, REQUESTS), (0, None))[1])
        row.rectifications_open = figures.get((pk, ORDERS), (0, None))[0]


def _add_satisfaction(rows: list[Row]) -> None:
    """The satisfaction rate of the latest published evaluation, per organization."""
    from feedback.models import Campaign
    from feedback.selectors import results

    latest = Campaign.objects.filter(state=Campaign.State.CLOSED).order_by("-closed_at").first()
    rates = {r.organization.pk: r.satisfaction_rate for r in results(latest)} if latest else {}
    for row in rows:
        row.satisfaction = rates.get(row.organization.pk)


def monthly_trend(orgs: QuerySet[Organization], months: int = 12,
                  today: dt.date | None = None) -> list[tuple[dt.date, float | None]]:
    """Return (month, on-time rate of obligations due that month) for the last months."""
    today = today or timezone.localdate()
    month = period_containing("month", today)
    starts = []
    for _ in range(months):
        starts.append(month.start)
        month = month.previous()
    starts.reverse()
    rows = (
        Obligation.objects.filter(organization__in=orgs, due_date__gte=starts[0],
                                  due_date__lte=today)
        .values("due_date__year", "due_date__month")
        .annotate(on_time=Count("pk", filter=Q(state=State.ON_TIME)),
                  judged=Count("pk", filter=Q(state__in=[State.ON_TIME, State.LATE,
                                                          State.OVERDUE])))
    )
    found = {(r["due_date__year"], r["due_date__month"]): r for r in rows}
    trend = []
    for start in starts:
        row = found.get((start.year, start.month))
        rate = (round(100 * row["on_time"] / row["judged"], 1)
                if row and row["judged"] else None)
        trend.append((start, rate))
    return trend


def trend_points(trend, width: int = 600, height: int = 160, pad: int = 24) -> str:
    """Return SVG polyline points for the trend (rates 0–100 bottom to top)."""
    if len(trend) < 2:
        return ""
    step = (width - 2 * pad) / (len(trend) - 1)
    points = []
    for index, (_month, rate) in enumerate(trend):
        if rate is None:
            continue
        x = pad + index * step
        y = height - pad - (height - 2 * pad) * rate / 100
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)


HISTORY_KINDS = {
    "item": (DisclosureItem, "organization_id"),
    "obligation": (Obligation, "organization_id"),
    "membership": (Membership, "organization_id"),
    "organization": (Organization, "id"),
}


def history_rows(user, kind: str) -> QuerySet:
    """Return the history rows of one kind of record within the user's supervised
    subtrees, newest first."""
    model, org_field = HISTORY_KINDS[kind]
    orgs = supervised_organizations(user).values("pk")
    # Each row names its organization (an organization's own rows: its name then).
    org_name = F("name") if org_field == "id" else F("organization__name")
    return (model.history.filter(**{f"{org_field}__in": orgs})  # type: ignore[attr-defined]
            .select_related("history_user").annotate(org_name=org_name)
            .order_by("-history_date", "-history_id"))
