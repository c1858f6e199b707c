"""Reads of the archive, built on the visibility module: a record is visible to whoever may
see its item."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from disclosure.visibility import can_view, visible_items

from .models import ArchivedFile, ArchiveRecord


def visible_records(user) -> QuerySet[ArchiveRecord]:
    return ArchiveRecord.objects.filter(item__in=visible_items(user).values("pk"))


def record_for_user(user, archive_number: str) -> ArchiveRecord:
    record = get_object_or_404(
        ArchiveRecord.objects.select_related("organization", "item", "archived_by"),
        archive_number=archive_number)
    if not can_view(user, record.item):
        raise Http404
    return record


def file_for_user(user, pk: int) -> ArchivedFile:
    copy = get_object_or_404(ArchivedFile.objects.select_related("record__item"), pk=pk)
    if not can_view(user, copy.record.item):
        raise Http404
    return copy


def filter_register(records: QuerySet[ArchiveRecord], data: dict) -> QuerySet[ArchiveRecord]:
    if org := data.get("organization"):
        records = (records.filter(organization__path__startswith=org.path)
                   if data.get("subtree") else records.filter(organization=org))
    if year := data.get("year"):
        records = records.filter(year=year)
    if keyword := (data.get("q") or "").strip():
        records = records.filter(Q(archive_number__icontains=keyword)
                                 | Q(item__title__icontains=keyword))
    return records.select_related("organization", "item")
