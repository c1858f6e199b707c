"""The register as CSV, Excel and a ZIP of one organization's year that a person can check
without the portal: every file with its digest in a ``sha256sum`` manifest."""

from __future__ import annotations

import io
import json
import zipfile

from django.utils.translation import gettext as _

from portal.dates import local_date
from portal.spreadsheets import csv_bytes, xlsx_bytes

from .models import ArchiveRecord
from .services import canonical, record_payload


def header() -> list[str]:
    return [_("Archive number"), _("Title"), _("Organization"), _("Year"), _("Retention"),
            _("Archived"), _("Record hash")]


def row(record: ArchiveRecord) -> list:
    return [record.archive_number, record.title, record.organization.name, record.year,
            str(record.get_retention_display()), local_date(record.archived_at),
            record.record_hash]


def register_csv(records) -> bytes:
    return csv_bytes(header(), (row(record) for record in records))


def register_xlsx(records) -> bytes:
    return xlsx_bytes(_("Archive register"), header(), (row(record) for record in records))


README = """Archive export
==============

records/<archive number>.json  the frozen record: snapshot, previous hash and record hash
files/<archive number>/...     read-only copies of the attachments
manifest.csv                   archive numbers, record hashes and file digests
MANIFEST.sha256                digests of every file in this export

Check the files without the portal:

    sha256sum -c MANIFEST.sha256

Check a record's hash: the record hash is the SHA-256 of the record's "payload" written as
JSON with sorted keys, no spaces and UTF-8 characters, e.g. with Python:

    import hashlib, json
    r = json.load(open("records/<archive number>.json", encoding="utf-8"))
    text = json.dumps(r["payload"], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(text.encode()).hexdigest() == r["record_hash"]

The review trail (submit notes, return reasons, approval comments) is part of a record only
for those who may read it: the organization's secretaries and committee members, the
reviewers of its work and its supervisors. In an export made by anyone else, a record's
snapshot has no "reviews" and the record says "redacted": ["snapshot.reviews"]; its record
hash then cannot be recomputed from the file (its attachments' digests still check). Ask
one of them for a complete export to check the record hash.
"""


def register_zip(records, *, with_trail: set[int]) -> bytes:
    """Return the ZIP of ``records``; those not in ``with_trail`` leave out their frozen
    review trail (see the README)."""
    buffer = io.BytesIO()
    manifest_lines, sums = [["archive_number", "record_hash", "file", "sha256"]], []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records.prefetch_related("files"):
            document = _document(record, record.pk in with_trail)
            record_name = f"records/{record.archive_number}.json"
            data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
            archive.writestr(record_name, data)
            sums.append((_sha(data), record_name))
            manifest_lines.append([record.archive_number, record.record_hash, "", ""])
            for copy in record.files.all():
                name = f"files/{record.archive_number}/{copy.position:02d}-{copy.name}"
                with copy.file.open("rb") as handle:
                    archive.writestr(name, handle.read())
                sums.append((copy.sha256, name))
                manifest_lines.append([record.archive_number, record.record_hash, name,
                                       copy.sha256])
        # No byte order mark: the manifest is read by scripts as much as by people, and
        # its format stays as it was.
        archive.writestr("manifest.csv",
                         csv_bytes(manifest_lines[0], manifest_lines[1:], bom=False))
        archive.writestr("MANIFEST.sha256",
                         "".join(f"{digest}  {name}\n" for digest, name in sums))
        archive.writestr("README.txt", README)
    return buffer.getvalue()


def _document(record: ArchiveRecord, with_trail: bool) -> dict:
    payload = record_payload(record)
    if with_trail:
        return {"payload": payload, "record_hash": record.record_hash}
    snapshot = {key: value for key, value in payload["snapshot"].items() if key != "reviews"}
    return {"payload": {**payload, "snapshot": snapshot}, "record_hash": record.record_hash,
            "redacted": ["snapshot.reviews"]}


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


__all__ = ["canonical", "register_csv", "register_xlsx", "register_zip"]
