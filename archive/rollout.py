"""Rollout (分类推进): by which date each type of organization must have started disclosing,
and which units have started.

A unit's date is the ``RolloutDate`` for its type issued by its nearest organization above
it that set one. A unit has started when it has published its first item within the party
and an active catalog binds it; it is late when its date has passed and it has not started.
Every figure comes from a fixed number of queries, whatever the number of units.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Catalog, catalog_in_force
from disclosure.models import DisclosureItem
from portal.models import Organization, RolloutDate
from portal.roles import ancestor_ids, org_ids_with, signed_in

from .supervision import overseen_organizations

STATUS_LABELS = {
    "started": _("Started"),
    "started_late": _("Started after its date"),
    "due": _("Not started yet"),
    "late": _("Late"),
    "no_date": _("Not started (no date set)"),
}

BADGES = {"started": "public", "started_late": "state-submitted", "due": "",
          "late": "state-rejected", "no_date": ""}


def rollout_organizations(user) -> QuerySet[Organization]:
    """Return the units whose rollout ``user`` may follow: those they oversee (supervisors
    of the subtree, reviewers of the organization's work) and, for the secretaries of a
    committee, the committee's whole subtree."""
    orgs = overseen_organizations(user)
    if not signed_in(user) or user.is_superuser:
        return orgs
    committees = Organization.objects.filter(
        pk__in=org_ids_with(user, "publish"), level=Organization.Level.COMMITTEE,
        is_active=True).values_list("path", flat=True)
    query = Q(pk__in=orgs.values("pk"))
    for path in committees:
        query |= Q(path__startswith=path)
    return Organization.objects.filter(query, is_active=True)


@dataclass
class Unit:
    organization: Organization
    start_by: dt.date | None
    first_disclosure: dt.datetime | None
    catalog_in_force: bool
    status: str

    @property
    def started(self) -> bool:
        return self.status in ("started", "started_late")

    @property
    def late(self) -> bool:
        return self.status == "late"

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def badge(self) -> str:
        """The CSS class of the state's badge."""
        return BADGES[self.status]


def _status(start_by: dt.date | None, first: dt.datetime | None, bound: bool,
            today: dt.date) -> str:
    if first is not None and bound:
        began = timezone.localdate(first)
        return "started_late" if start_by is not None and began > start_by else "started"
    if start_by is None:
        return "no_date"
    return "late" if today > start_by else "due"


def rollout(orgs: QuerySet[Organization], today: dt.date | None = None) -> list[Unit]:
    """Return every unit of ``orgs`` in tree order with its date and state (four queries)."""
    today = today or timezone.localdate()
    units = list(orgs.order_by("path"))
    dates = {(issuer, kind): start_by for issuer, kind, start_by in
             RolloutDate.objects.values_list("issuer_id", "kind", "start_by")}
    firsts = dict(DisclosureItem.objects.filter(
        organization__in=orgs, internal_at__isnull=False).values("organization_id").annotate(
        first=Min("internal_at")).values_list("organization_id", "first"))
    catalogs = list(Catalog.objects.filter(catalog_in_force(today, prefix=""))
                    .select_related("issuer"))
    rows = []
    for org in units:
        start_by = next((dates[(above, org.kind)] for above in
                         reversed(ancestor_ids(org)[:-1]) if (above, org.kind) in dates), None)
        bound = any(catalog.binds(org) for catalog in catalogs)
        first = firsts.get(org.pk)
        rows.append(Unit(org, start_by, first, bound, _status(start_by, first, bound, today)))
    return rows
