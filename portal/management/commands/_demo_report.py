"""Demo: the committee's year-end report for this year, generated from the demo's own
figures and left as a draft, so the supervisor can open and download it.

Seeding renders the Word document only, to stay fast (LibreOffice takes seconds); on a
machine with LibreOffice the secretary's "Take the figures anew" adds the PDF.
"""

from __future__ import annotations

from django.utils import timezone, translation

from archive.models import YearReport
from archive.report_services import report_generate


def seed(orgs, users) -> None:
    committee, year = orgs["CD"], timezone.localdate().year
    if YearReport.objects.filter(organization=committee, year=year).exists():
        return
    with translation.override("zh-hans"):
        report_generate(organization=committee, year=year, actor=users["cd_secretary"],
                        pdf=False)
