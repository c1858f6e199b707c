"""Check uploaded attachments by their content, not by what the browser claims."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


OOXML = {
    ".docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
SIGNATURES = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword"),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-excel"),
}
ALLOWED_EXTENSIONS = sorted([*SIGNATURES, *OOXML, ".txt"])


def clean_name(name: str) -> str:
    """Return a display name without directories or control characters."""
    base = PurePath(name.replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return cleaned.strip(" .")[:150] or "attachment"


def _content_type(upload, extension: str, head: bytes) -> str | None:
    if extension in SIGNATURES:
        magic, content_type = SIGNATURES[extension]
        return content_type if head.startswith(magic) else None
    if extension in OOXML:
        prefix, content_type = OOXML[extension]
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        ok = "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names)
        return content_type if ok else None
    if extension == ".txt":
        upload.seek(0)
        data = upload.read()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return None if b"\x00" in data else "text/plain; charset=utf-8"
    return None


def check_upload(upload) -> CheckedUpload:
    """Validate size and type of an uploaded file; raise ``ValidationError`` if refused."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    name = clean_name(upload.name or "")
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("Files of this type are not accepted. Allowed: %(types)s.")
            % {"types": ", ".join(ALLOWED_EXTENSIONS)},
            code="type",
        )
    upload.seek(0)
    head = upload.read(16)
    content_type = _content_type(upload, extension, head)
    if content_type is None:
        raise ValidationError(
            _("The content of the file does not match its type %(ext)s.") % {"ext": extension},
            code="content",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(name, extension, content_type, upload.size, digest.hexdigest())
