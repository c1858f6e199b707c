"""Who sees the archive and the year-end reports.

An item's record and its file copies are visible to whoever may see the archived item
(archiving files, it takes nothing down). A year-end report is the organization's own
business: its secretaries generate, edit and file it; the supervisors of its subtree and
the reviewers of its work read and download it; a filed report's record and copies are
seen by the same people.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse

from disclosure.visibility import can_view, visible_items
from portal import permissions
from portal.roles import acts_for, organization_business

from .models import ArchivedFile, ArchiveRecord, ReportFile, YearReport

can_view_report, visible_reports = organization_business(YearReport)


def can_act_on_report(user, report: YearReport) -> bool:
    return acts_for(user, report.organization_id)


def visible_report_files(user) -> QuerySet[ReportFile]:
    return ReportFile.objects.filter(report__in=visible_reports(user).values("pk"))


def can_view_report_file(user, copy: ReportFile) -> bool:
    return can_view_report(user, copy.report)


def visible_records(user) -> QuerySet[ArchiveRecord]:
    return ArchiveRecord.objects.filter(Q(item__in=visible_items(user).values("pk"))
                                        | Q(report__in=visible_reports(user).values("pk")))


def can_view_record(user, record: ArchiveRecord) -> bool:
    if record.report is not None:
        return can_view_report(user, record.report)
    return record.item is not None and can_view(user, record.item)


def visible_files(user) -> QuerySet[ArchivedFile]:
    return ArchivedFile.objects.filter(
        Q(record__item__in=visible_items(user).values("pk"))
        | Q(record__report__in=visible_reports(user).values("pk")))


def can_view_file(user, copy: ArchivedFile) -> bool:
    return can_view_record(user, copy.record)


permissions.register(permissions.Rules(
    ArchiveRecord, visible=visible_records, can_view=can_view_record,
    url=lambda record: reverse("archive:record_detail", args=[record.archive_number]),
    related=("organization", "item", "item__organization", "report__organization",
             "archived_by"),
))
permissions.register(permissions.Rules(
    ArchivedFile, visible=visible_files, can_view=can_view_file,
    url=lambda copy: reverse("archive:file_download", args=[copy.pk]),
    related=("record__item", "record__item__organization", "record__report__organization"),
))
permissions.register(permissions.Rules(
    YearReport, visible=visible_reports, can_view=can_view_report,
    rules={"act": can_act_on_report},
    url=lambda report: reverse("archive:report_detail", args=[report.pk]),
    related=("organization", "created_by"),
))
permissions.register(permissions.Rules(
    ReportFile, visible=visible_report_files, can_view=can_view_report_file,
    url=lambda copy: reverse("archive:report_download", args=[copy.report_id, copy.kind]),
    related=("report__organization",),
))
