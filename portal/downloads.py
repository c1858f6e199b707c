"""The one way the portal hands out a stored file: item attachments, archived copies and
whatever is added later.

The helper does not decide who may have the file. The caller loads the object through its
visibility check first (``attachment_for_user``, ``file_for_user``, ...) and passes it in;
the helper serves that object's own file as a download that a browser neither renders,
sniffs nor keeps.
"""

from __future__ import annotations

from typing import Protocol

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


class Downloadable(Protocol):
    """A record with a stored file, the name to download it as, and its content type."""

    file: FieldFile
    content_type: str

    @property
    def download_name(self) -> str: ...

DOWNLOAD_HEADERS = {
    # Never guess a type from the content: a "text/plain" file with HTML in it stays text.
    "X-Content-Type-Options": "nosniff",
    # Even if a browser shows the file, it runs nothing and loads nothing.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    # Non-public files: no shared cache keeps them, no browser stores them on disk.
    "Cache-Control": "private, no-store",
}


def protected_download(obj: Downloadable) -> FileResponse:
    """The file of ``obj`` (loaded through its visibility check) as an attachment named
    ``obj.download_name``; 404 if the stored file is missing."""
    file, filename, content_type = obj.file, obj.download_name, obj.content_type
    if not file.name:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, as_attachment=True, filename=filename,
                            content_type=content_type)
    for header, value in DOWNLOAD_HEADERS.items():
        response[header] = value
    return response
