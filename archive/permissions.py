"""Who sees the archive: a record and its file copies are visible to whoever may see the
archived item (archiving files, it takes nothing down)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse

from disclosure.visibility import can_view, visible_items
from portal import permissions

from .models import ArchivedFile, ArchiveRecord


def visible_records(user) -> QuerySet[ArchiveRecord]:
    return ArchiveRecord.objects.filter(item__in=visible_items(user).values("pk"))


def can_view_record(user, record: ArchiveRecord) -> bool:
    return can_view(user, record.item)


def visible_files(user) -> QuerySet[ArchivedFile]:
    return ArchivedFile.objects.filter(record__item__in=visible_items(user).values("pk"))


def can_view_file(user, copy: ArchivedFile) -> bool:
    return can_view(user, copy.record.item)


permissions.register(permissions.Rules(
    ArchiveRecord, visible=visible_records, can_view=can_view_record,
    url=lambda record: reverse("archive:record_detail", args=[record.archive_number]),
    related=("organization", "item", "item__organization", "archived_by"),
))
permissions.register(permissions.Rules(
    ArchivedFile, visible=visible_files, can_view=can_view_file,
    url=lambda copy: reverse("archive:file_download", args=[copy.pk]),
    related=("record__item", "record__item__organization"),
))
