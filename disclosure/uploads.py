"""Check uploaded attachments by their content, not by what the browser claims."""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from functools import wraps
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat, floatformat
from django.utils.functional import lazy
from django.utils.http import url_has_allowed_host_and_scheme
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


def limits_text(extensions=None) -> str:
    """Return the sentence a file field shows before anything is chosen: the size limit
    and the accepted types (``extensions``, by default those of attachments)."""
    return _("At most %(limit)s per file. Accepted types: %(types)s.") % {
        "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
        "types": ", ".join(extensions or ALLOWED_EXTENSIONS)}


limits_help = lazy(limits_text, str)


def file_attrs(extensions=None) -> dict[str, str]:
    """The attributes of a file input: what the file chooser offers, and the size limit the
    page's script announces as soon as a larger file is chosen (static/js/forms.js)."""
    return {"accept": ",".join(extensions or ALLOWED_EXTENSIONS),
            "data-max-bytes": str(settings.ATTACHMENT_MAX_BYTES)}


def stray_files(request: HttpRequest, form: forms.BaseForm | None = None) -> list[str]:
    """Return the names of the files posted with ``request`` that ``form`` does not take
    (all of them without a form)."""
    taken = {name for name, field in form.fields.items()
             if isinstance(field, forms.FileField)} if form is not None else set()
    return [upload.name or "" for key in request.FILES if key not in taken
            for upload in request.FILES.getlist(key)]


def stray_refusal(names: list[str]) -> str:
    return _("This form does not take files, so %(names)s was not saved and nothing else "
             "was done. Upload the file with the attachment form first.") % {
        "names": "、".join(f"“{clean_name(name)}”" for name in names)}


def refuse_stray_files(request: HttpRequest, form: forms.BaseForm) -> None:
    """Put a refusal on ``form`` (which then is not valid) when files came with it that it
    does not take: the post must not be carried out as if they had never been chosen."""
    if names := stray_files(request, form):
        form.add_error(None, stray_refusal(names))


def takes_no_files(view):
    """Refuse a post to ``view`` that carries files: nothing is done, the page the post
    came from says which files were not saved."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and (names := stray_files(request)):
            messages.error(request, stray_refusal(names))
            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(back, {request.get_host()},
                                                   require_https=request.is_secure()):
                back = "/"
            return redirect(back)
        return view(request, *args, **kwargs)

    return guarded
