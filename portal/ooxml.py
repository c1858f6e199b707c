"""Check an Office Open XML package (.docx, .xlsx, .pptx: a zip) for what it really holds.

The zip's own directory can lie: it may claim small sizes for members that inflate to
gigabytes, list tens of thousands of members, or carry macros behind an innocent
extension. So the package is refused when it has more than ``ATTACHMENT_MAX_ZIP_ENTRIES``
members, when a member's compressed stream, inflated here in bounded chunks (never trusting
the declared size), differs from its declared size, when everything inflates to more than
``ATTACHMENT_MAX_UNZIPPED_BYTES`` or more than ``ATTACHMENT_MAX_ZIP_RATIO`` times the file,
and when it carries macros (a ``vbaProject.bin`` part, or a macro-enabled content type).
Nothing is extracted to disk.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULT_MAX_ENTRIES = 2_000
DEFAULT_MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024  # a small package may be as compressible as it likes
CHUNK = 64 * 1024
CONTENT_TYPES = "[Content_Types].xml"
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")
MACRO_TYPES = (b"macroenabled", b"vbaproject", b"ms-office.activex")
LOCAL_HEADER = b"PK\x03\x04"


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _damaged(extension: str) -> ValidationError:
    return ValidationError(
        _("The content of the file does not match its type %(ext)s.") % {"ext": extension},
        code="content")


def _too_big(limit: int) -> ValidationError:
    return ValidationError(
        _("The document expands to more than %(limit)s when opened.")
        % {"limit": filesizeformat(limit)}, code="zip_bomb")


def _inflated_size(upload, info: zipfile.ZipInfo, budget: int, extension: str) -> int:
    """Inflate one member's stream in bounded chunks and count the bytes it really gives,
    stopping once it passes ``budget``."""
    if info.flag_bits & 0x1:
        raise ValidationError(_("Encrypted documents are not accepted."), code="encrypted")
    upload.seek(info.header_offset)
    local = upload.read(30)
    if len(local) < 30 or local[:4] != LOCAL_HEADER:
        raise _damaged(extension)
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    upload.seek(info.header_offset + 30 + name_length + extra_length)
    if info.compress_type == zipfile.ZIP_STORED:
        return len(upload.read(info.compress_size))
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise _damaged(extension)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    remaining, produced = info.compress_size, 0
    try:
        while remaining > 0 and not inflater.eof:
            chunk = upload.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            produced += len(inflater.decompress(chunk, CHUNK))
            while inflater.unconsumed_tail and produced <= budget:
                produced += len(inflater.decompress(inflater.unconsumed_tail, CHUNK))
            if produced > budget:
                return produced
        produced += len(inflater.flush(CHUNK))
    except zlib.error as error:
        raise _damaged(extension) from error
    return produced


def check_package(upload, extension: str, *, size: int) -> list[str]:
    """Refuse the package (``ValidationError``) unless it is a plain, honest OOXML file of
    at most the configured entries and inflated size; return its member names."""
    max_entries = _limit("ATTACHMENT_MAX_ZIP_ENTRIES", DEFAULT_MAX_ENTRIES)
    max_total = _limit("ATTACHMENT_MAX_UNZIPPED_BYTES", 100 * 1024 * 1024)
    max_ratio = _limit("ATTACHMENT_MAX_ZIP_RATIO", DEFAULT_MAX_RATIO)
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            if len(infos) > max_entries:
                raise ValidationError(
                    _("The document holds %(count)s parts; at most %(limit)s are accepted.")
                    % {"count": len(infos), "limit": max_entries}, code="zip_entries")
            names = [info.filename for info in infos]
            if any(name.lower().rsplit("/", 1)[-1] in MACRO_PARTS for name in names):
                raise _macros()
            if CONTENT_TYPES in names:
                with archive.open(CONTENT_TYPES) as part:
                    types = part.read(1024 * 1024).lower()
                if any(marker in types for marker in MACRO_TYPES):
                    raise _macros()
            total = 0
            for info in infos:
                if info.is_dir():
                    continue
                real = _inflated_size(upload, info, max_total - total, extension)
                total += real
                if total > max_total:
                    raise _too_big(max_total)
                if real != info.file_size:
                    raise ValidationError(
                        _("The document's parts are not the size it declares; the file is "
                          "damaged or crafted."), code="zip_sizes")
            if total > RATIO_FLOOR and total > max_ratio * max(size, 1):
                raise _too_big(min(max_total, max_ratio * size))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError, RuntimeError, KeyError) as error:
        raise _damaged(extension) from error
    finally:
        upload.seek(0)
    return names


def _macros() -> ValidationError:
    return ValidationError(
        _("Documents with macros are not accepted; save the file without macros "
          "(as .docx, .xlsx or .pptx) and upload it again."), code="macros")
