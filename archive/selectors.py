"""Reads of the archive, built on the visibility module: a record is visible to whoever may
see its item."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.permissions import load_for

from .models import ArchivedFile, ArchiveRecord


def record_for_user(user, archive_number: str) -> ArchiveRecord:
    return load_for(user, ArchiveRecord, archive_number=archive_number)


def file_for_user(user, pk: int) -> ArchivedFile:
    return load_for(user, ArchivedFile, pk=pk)


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
