"""The offline ledger of one organization and year as Excel, and as a ZIP that a person can
check without the portal: the ledger rows, every evidence file, a ``manifest.csv`` and a
``MANIFEST.sha256`` for ``sha256sum -c`` (the layout of the archive register's ZIP).

Both start from the records the reader may see; the caller passes that queryset."""

from __future__ import annotations

import hashlib
import io
import zipfile

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portal.models import Organization
from portal.spreadsheets import csv_bytes, xlsx_bytes

from .models import LedgerEvidence, LedgerRecord


def header() -> list[str]:
    return [_("Record"), _("Date"), _("Carrier"), _("Item or obligation"), _("Notice board"),
            _("Taken down on"), _("Kind of meeting"), _("Meeting"), _("Attendance"),
            _("Minutes"), _("Document number"), _("Note"), _("Evidence files"), _("State"),
            _("Reason for voiding"), _("Recorded by")]


def row(record: LedgerRecord, files: int) -> list:
    return [record.pk, record.date.isoformat(), str(record.get_carrier_display()),
            record.subject_title, record.board,
            record.until.isoformat() if record.until else "",
            str(record.get_meeting_kind_display()) if record.meeting_kind else "",
            record.meeting_name, record.attendance if record.attendance is not None else "",
            record.minutes, record.document_number, record.note, files,
            str(record.get_state_display()), record.void_reason,
            record.recorded_by.display_name]


def _with_evidence(records: QuerySet[LedgerRecord]) -> list[LedgerRecord]:
    return list(records.prefetch_related("evidence"))


def ledger_xlsx(records: QuerySet[LedgerRecord]) -> bytes:
    rows = (row(record, len(record.evidence.all())) for record in _with_evidence(records))
    return xlsx_bytes(_("Offline ledger"), header(), rows, widths=[8, 12, 12, 40, 20])


README = """Offline ledger export
=====================

ledger.csv                  the ledger of {org} for {year}, one row per record
evidence/<record>/...       the photos and PDFs of each record
manifest.csv                record, carrier, date, file and its SHA-256 digest
MANIFEST.sha256             digests of every file in this export

Check the files without the portal:

    sha256sum -c MANIFEST.sha256
"""


def evidence_name(evidence: LedgerEvidence, position: int) -> str:
    return f"evidence/{evidence.record_id}/{position:02d}-{evidence.original_name}"


def ledger_zip(records: QuerySet[LedgerRecord], org: Organization, year: int) -> bytes:
    buffer = io.BytesIO()
    loaded = _with_evidence(records)
    manifest: list[list] = [["record", "carrier", "date", "state", "file", "sha256"]]
    sums: list[tuple[str, str]] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ledger = csv_bytes(header(), (row(r, len(r.evidence.all())) for r in loaded))
        archive.writestr("ledger.csv", ledger)
        sums.append((hashlib.sha256(ledger).hexdigest(), "ledger.csv"))
        for record in loaded:
            files = list(record.evidence.all())
            if not files:
                manifest.append([record.pk, record.carrier, record.date.isoformat(),
                                 record.state, "", ""])
            for position, evidence in enumerate(files, start=1):
                name = evidence_name(evidence, position)
                with evidence.file.open("rb") as handle:
                    archive.writestr(name, handle.read())
                # The digest taken at upload: a file changed on disk since fails the check.
                sums.append((evidence.sha256, name))
                manifest.append([record.pk, record.carrier, record.date.isoformat(),
                                 record.state, name, evidence.sha256])
        listing = csv_bytes(manifest[0], manifest[1:], bom=False)
        archive.writestr("manifest.csv", listing)
        sums.append((hashlib.sha256(listing).hexdigest(), "manifest.csv"))
        archive.writestr("MANIFEST.sha256",
                         "".join(f"{digest}  {name}\n" for digest, name in sums))
        archive.writestr("README.txt", README.format(org=org.name, year=year))
    return buffer.getvalue()
