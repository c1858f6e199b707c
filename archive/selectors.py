"""Reads of the archive, built on the visibility module: a record is visible to whoever may
see its item; its frozen review trail only to whoever may read the item's workflow."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from disclosure.visibility import can_see_workflow, workflow_q
from portal.permissions import load_for

from .models import ArchivedFile, ArchiveRecord


def record_for_user(user, archive_number: str) -> ArchiveRecord:
    return load_for(user, ArchiveRecord, archive_number=archive_number)


def file_for_user(user, pk: int) -> ArchivedFile:
    return load_for(user, ArchivedFile, pk=pk)


def reads_trail(user, record: ArchiveRecord) -> bool:
    """Return whether ``user`` reads the review trail frozen in ``record`` (the same rule as
    the item page's trail)."""
    return record.item is not None and can_see_workflow(user, record.item)


def records_with_trail(user, records: QuerySet[ArchiveRecord]) -> set[int]:
    """Return the ids of ``records`` whose frozen review trail ``user`` reads: the set twin
    of :func:`reads_trail`, for exports. Records of year-end reports freeze no trail and
    stay whole."""
    return set(records.order_by().filter(Q(item__isnull=True) | workflow_q(user, "item__"))
               .values_list("pk", flat=True))


def filter_register(records: QuerySet[ArchiveRecord], data: dict) -> QuerySet[ArchiveRecord]:
    if org := data.get("organization"):
        records = (records.filter(organization__path__startswith=org.path)
                   if data.get("subtree") else records.filter(organization=org))
    if year := data.get("year"):
        records = records.filter(year=year)
    if keyword := (data.get("q") or "").strip():
        records = records.filter(Q(archive_number__icontains=keyword)
                                 | Q(item__title__icontains=keyword)
                                 | Q(report__organization__name__icontains=keyword))
    return records.select_related("organization", "item", "report")
