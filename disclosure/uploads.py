"""Check uploaded attachments by their content, not by what the browser claims."""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat, floatformat
from django.utils.translation import gettext as _

from portal.ooxml import check_package


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
IMAGES = {".png", ".jpg", ".jpeg"}
# JPEG start-of-frame markers carry the dimensions; C4, C8 and CC are other segments.
JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
JPEG_MAX_SEGMENTS = 256
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT")
                                                  for n in range(1, 10))}
NAME_LIMIT = 150


def clean_name(name: str) -> str:
    """Return a display name without directories, control or bidi characters.

    ``isprintable`` is false for the Cc and Cf categories, so NUL, ESC, newlines and
    direction overrides are dropped: "evil", U+202E, "txt.exe" would otherwise show as
    "evilexe.txt". Windows device names get a prefix so the file can be saved there.
    """
    base = PurePath(name.replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    cleaned = cleaned.strip(" .")
    if cleaned.split(".")[0].strip().upper() in WINDOWS_DEVICES:
        cleaned = f"_{cleaned}"
    return _shorten(cleaned) or "attachment"


def _shorten(name: str) -> str:
    """Cut a long name to ``NAME_LIMIT`` characters, keeping its extension."""
    if len(name) <= NAME_LIMIT:
        return name
    suffix = PurePath(name).suffix
    suffix = suffix if len(suffix) <= 10 else ""
    return name[: NAME_LIMIT - len(suffix)].rstrip(" .") + suffix


def _content_type(upload, extension: str, head: bytes) -> str | None:
    if extension in SIGNATURES:
        magic, content_type = SIGNATURES[extension]
        return content_type if head.startswith(magic) else None
    if extension in OOXML:
        prefix, content_type = OOXML[extension]
        names = check_package(upload, extension, size=upload.size)  # entries, sizes, macros
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


def _png_pixels(upload) -> int | None:
    """Read width and height from the IHDR chunk, which must come first."""
    upload.seek(0)
    head = upload.read(24)
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width * height


def _jpeg_pixels(upload) -> int | None:
    """Walk the JPEG segments up to the first frame header, seeking past each body."""
    upload.seek(2)
    for _segment in range(JPEG_MAX_SEGMENTS):
        marker = upload.read(4)
        if len(marker) < 4 or marker[0] != 0xFF:
            return None
        length = int.from_bytes(marker[2:4], "big")
        if marker[1] in JPEG_FRAMES:
            frame = upload.read(5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return height * width
        if length < 2:
            return None
        upload.seek(length - 2, os.SEEK_CUR)
    return None


def _check_pixels(upload, extension: str) -> None:
    """Refuse an image without readable dimensions or with too many pixels (a bomb)."""
    pixels = _png_pixels(upload) if extension == ".png" else _jpeg_pixels(upload)
    if not pixels:
        raise ValidationError(
            _("The content of the file does not match its type %(ext)s.") % {"ext": extension},
            code="content",
        )
    limit = settings.ATTACHMENT_MAX_PIXELS
    if pixels > limit:
        raise ValidationError(
            _("The image has %(pixels)s megapixels; at most %(limit)s are accepted.")
            % {"pixels": floatformat(pixels / 1e6, -1), "limit": floatformat(limit / 1e6, -1)},
            code="too_many_pixels",
        )


def _check_expansion(upload, extension: str) -> None:
    if extension in IMAGES:
        _check_pixels(upload, extension)
    # An OOXML package was inflated and measured while its type was checked.


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
    _check_expansion(upload, extension)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(name, extension, content_type, upload.size, digest.hexdigest())


EVIDENCE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".pdf")
PILLOW_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def _decode_image(upload, extension: str) -> None:
    """Decode the whole image with Pillow: a renamed or broken file is refused."""
    from PIL import Image, UnidentifiedImageError

    refused = ValidationError(
        _("The image cannot be read: the file is damaged or is not a %(ext)s image.")
        % {"ext": extension}, code="broken_image")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format != PILLOW_FORMATS[extension]:
                raise refused
            image.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()  # verify() does not notice a truncated image; loading does
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as error:
        raise refused from error
    finally:
        upload.seek(0)


def check_evidence(upload) -> CheckedUpload:
    """Validate an evidence file of the offline ledger: a photo (JPEG, PNG) decoded in full,
    or a PDF, within the attachment size limit; raise ``ValidationError`` if refused."""
    name = clean_name(upload.name or "")
    extension = PurePath(name).suffix.lower()
    if extension not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            _("Evidence must be a photo (JPEG, PNG) or a PDF."), code="type")
    checked = check_upload(upload)
    if extension in PILLOW_FORMATS:
        _decode_image(upload, extension)
    return checked
