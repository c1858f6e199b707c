"""Figures of the supervision groups' work for reports (the year-end report reads these)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from .models import RectificationOrder
from .models_supervision import (
    InspectionFinding,
    InspectionPlan,
    InspectionRecord,
    RectificationEvidence,
)


@dataclass(frozen=True)
class SupervisionCounts:
    """What the supervision groups did about some organizations in one year."""

    plans: int  # inspection plans of the year covering one of the organizations
    inspections: int  # inspections held that year covering one of them
    published: int  # of those, with their results published
    findings: int  # findings about one of the organizations in those inspections
    orders: int  # rectification orders to the organizations, ordered that year
    orders_from_findings: int  # of those, opened by an inspection finding
    orders_closed: int  # of those, verified and closed
    orders_overdue: int  # of those, still open past their deadline
    evidence: int  # evidence files attached to those orders

    @property
    def closed_rate(self) -> float | None:
        """Closed orders as a share of all orders, in percent (None without orders)."""
        return round(100 * self.orders_closed / self.orders, 1) if self.orders else None


def supervision_counts(organization_ids: Iterable[int], year: int) -> SupervisionCounts:
    """Return the supervision figures for ``organization_ids`` in ``year``, in five queries.

    No permission filter: the caller decides who reads the figures (the report is the
    committee's)."""
    from django.utils import timezone

    ids = list(organization_ids)
    plans = InspectionPlan.objects.filter(year=year, scope__in=ids).values("pk").distinct()
    records = InspectionRecord.objects.filter(inspected_on__year=year, scope__in=ids)
    record_counts = records.aggregate(
        total=Count("pk", distinct=True),
        published=Count("pk", distinct=True, filter=Q(state=InspectionRecord.State.PUBLISHED)))
    findings = InspectionFinding.objects.filter(record__inspected_on__year=year,
                                                organization_id__in=ids)
    orders = RectificationOrder.objects.filter(organization_id__in=ids, ordered_at__year=year)
    today = timezone.localdate()
    order_counts = orders.aggregate(
        total=Count("pk"),
        from_findings=Count("pk", filter=Q(inspection_finding__isnull=False)),
        closed=Count("pk", filter=Q(state=RectificationOrder.State.CLOSED)),
        overdue=Count("pk", filter=~Q(state=RectificationOrder.State.CLOSED)
                      & Q(due_date__lt=today)))
    return SupervisionCounts(
        plans=plans.count(), inspections=record_counts["total"],
        published=record_counts["published"], findings=findings.count(),
        orders=order_counts["total"], orders_from_findings=order_counts["from_findings"],
        orders_closed=order_counts["closed"], orders_overdue=order_counts["overdue"],
        evidence=RectificationEvidence.objects.filter(order__in=orders).count())
