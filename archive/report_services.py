"""Year-end reports: generate (figures, draft prose, Word and PDF), edit the prose, refresh
the figures while a draft, and file it into the archive chain with its documents' digests.

Documents are rendered before they are stored and every file written for a step that did
not commit is removed again, as archiving does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Retention
from feedback.services.feedback import clean_text
from portal import workflow
from portal.models import Organization, User
from portal.roles import acts_for
from portal.workflow import TransitionError

from . import report_document, report_figures
from .models import ArchivedFile, ArchiveRecord, ReportFile, YearReport
from .services import GENESIS, _lock_chain, _make_read_only, _remove, compute_hash, file_digest

FIRST_YEAR = 2000
CATEGORY = "ZJ"  # 总结: the archive category of year-end reports
CONTENT_TYPES: dict[str, str] = {
    ReportFile.Kind.DOCX:
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFile.Kind.PDF: "application/pdf",
}


def check_year(year: int) -> None:
    this_year = timezone.localdate().year
    if year > this_year:
        raise ValidationError({"year": _("%(year)s has not begun: a report covers this year "
                                         "or a past one.") % {"year": year}})
    if year < FIRST_YEAR:
        raise ValidationError({"year": _("Choose a year from %(first)s on.") % {
            "first": FIRST_YEAR}})


def _want_pdf(pdf: bool | None) -> bool:
    if pdf is None:
        pdf = getattr(settings, "YEAR_REPORT_PDF", True)
    return bool(pdf) and report_document.soffice() is not None


def _documents(report: YearReport, pdf: bool | None) -> dict[str, bytes]:
    docx = report_document.build_docx(report, report.figures)
    documents: dict[str, bytes] = {ReportFile.Kind.DOCX: docx}
    if _want_pdf(pdf):
        rendered = report_document.render_pdf(docx)
        if rendered is not None:
            documents[ReportFile.Kind.PDF] = rendered
    return documents


@contextmanager
def _cleaning() -> Iterator[list[str]]:
    """Collect the names of files written; remove them if the step does not commit."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            _remove(name)
        raise


def _store(report: YearReport, documents: dict[str, bytes], written: list[str]) -> None:
    """Replace the report's documents by ``documents``; old files go once committed."""
    old = [copy.file.name or "" for copy in report.files.all()]
    report.files.all().delete()
    for kind, body in documents.items():
        digest = hashlib.sha256(body).hexdigest()
        copy = ReportFile(report=report, kind=kind, extension=f".{kind}",
                          name=f"{report.organization.code}-{report.year}-report.{kind}",
                          content_type=CONTENT_TYPES[kind], size=len(body), sha256=digest)
        copy.file.save("report", ContentFile(body), save=False)
        written.append(copy.file.name or "")
        copy.save()
    report.sha256 = hashlib.sha256(documents[ReportFile.Kind.DOCX]).hexdigest()
    report.save(update_fields=["sha256"])

    def forget_old() -> None:
        for name in old:
            if name and name not in written:
                _remove(name)

    transaction.on_commit(forget_old)


def report_generate(*, organization: Organization, year: int, actor: User,
                    pdf: bool | None = None) -> YearReport:
    """Generate the organization's report for ``year``: take the figures of its subtree,
    draft the prose from them and render the documents."""
    if not acts_for(actor, organization):
        raise PermissionDenied
    check_year(year)
    if YearReport.objects.filter(organization=organization, year=year).exists():
        raise ValidationError({"year": _("%(organization)s already has a report for "
                                         "%(year)s; open it to edit or regenerate it.") % {
            "organization": organization.name, "year": year}})
    figures = report_figures.compute_figures(organization, year)
    report = YearReport(organization=organization, year=year, created_by=actor,
                        figures=figures, **report_document.draft_sections(figures))
    documents = _documents(report, pdf)
    with _cleaning() as written:
        try:
            with transaction.atomic():
                workflow.create(report, actor, action="generate")
                _store(report, documents, written)
        except IntegrityError as error:  # generated by someone else meanwhile
            raise ValidationError({"year": _("A report for this year was just generated; "
                                             "open it from the list.")}) from error
    return report


def report_edit(*, report_id: int, actor: User, pdf: bool | None = None,
                **sections: str) -> YearReport:
    """Change the prose sections of a draft and render its documents anew."""
    # Control characters have no place in a Word document (python-docx refuses them).
    changes = {name: clean_text(sections.get(name) or "", 20000) or report_document.NONE_TEXT
               for name in YearReport.SECTIONS}
    with _cleaning() as written, transaction.atomic():
        report = workflow.begin(YearReport, report_id, "edit", actor)
        for name, text in changes.items():
            setattr(report, name, text)
        documents = _documents(report, pdf)
        workflow.transition(YearReport, report_id, "edit", actor=actor, changes=changes,
                            obj=report)
        _store(report, documents, written)
    return report


def report_refresh(*, report_id: int, actor: User, pdf: bool | None = None) -> YearReport:
    """Take the figures of a draft anew (the prose stays as edited) and render it again."""
    with _cleaning() as written, transaction.atomic():
        report = workflow.begin(YearReport, report_id, "refresh", actor)
        report.figures = report_figures.compute_figures(report.organization, report.year)
        documents = _documents(report, pdf)
        workflow.transition(YearReport, report_id, "refresh", actor=actor, obj=report,
                            changes={"figures": report.figures, "figures_at": timezone.now()})
        _store(report, documents, written)
    return report


def report_snapshot(report: YearReport, files: list[ReportFile]) -> dict:
    """What the archive record of a filed report freezes."""
    return {
        "kind": "year_report",
        "id": report.pk,
        "title": report.title,
        "organization": {"code": report.organization.code, "name": report.organization.name},
        "year": report.year,
        "sections": {name: getattr(report, name) for name in YearReport.SECTIONS},
        "body": "\n\n".join(f"{heading}\n{text}" for _, heading, text in report.sections()),
        "figures": report.figures,
        "digest": report.sha256,
        "reviews": [],
        "attachments": [{"name": f.name, "size": f.size, "sha256": f.sha256,
                         "content_type": f.content_type} for f in files],
    }


def report_file(*, report_id: int, actor: User) -> YearReport:
    """File the report: freeze it and put it, with copies of its documents, in the archive
    chain; the record's hash covers the documents' digests."""
    with _cleaning() as written, transaction.atomic():
        report = workflow.begin(YearReport, report_id, "file", actor)
        files = list(report.files.order_by("kind"))  # docx before pdf
        for copy in files:
            with copy.file.open("rb") as handle:
                if file_digest(handle) != copy.sha256:
                    raise TransitionError(_("The document %(name)s changed after it was "
                                            "generated; regenerate the report.") % {
                        "name": copy.name})
        if not files or files[0].sha256 != report.sha256:
            raise TransitionError(_("The report has no Word document; regenerate it."))
        _lock_chain()
        last = (ArchiveRecord.objects.order_by("-sequence")
                .values("sequence", "record_hash").first())
        number = (ArchiveRecord.objects.filter(organization=report.organization,
                                               year=report.year, category_code=CATEGORY)
                  .aggregate(m=Max("number"))["m"] or 0) + 1
        record = ArchiveRecord(
            sequence=(last["sequence"] + 1) if last else 1, report=report,
            organization=report.organization, year=report.year, category_code=CATEGORY,
            number=number,
            archive_number=f"{report.organization.code}-{report.year}-{CATEGORY}-{number:04d}",
            retention=Retention.PERMANENT, reason=ArchiveRecord.Reason.REPORT,
            snapshot=report_snapshot(report, files),
            archived_at=timezone.now().replace(microsecond=0), archived_by=actor,
            prev_hash=last["record_hash"] if last else GENESIS)
        record.record_hash = compute_hash(record)
        record.save()
        for position, copy in enumerate(files, 1):
            archived = ArchivedFile(record=record, position=position, name=copy.name,
                                    extension=copy.extension, content_type=copy.content_type,
                                    size=copy.size, sha256=copy.sha256)
            with copy.file.open("rb") as handle:
                archived.file.save("copy", File(handle), save=False)
            written.append(archived.file.name or "")
            _make_read_only(archived.file.path)
            archived.save()
        workflow.transition(YearReport, report_id, "file", actor=actor, obj=report,
                            changes={"filed_by": actor})
    return report


__all__ = ["report_edit", "report_file", "report_generate", "report_refresh"]
