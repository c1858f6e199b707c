"""The one way the portal hands out a stored file: item attachments, archived copies and
whatever is added later.

The helper does not decide who may have the file. The caller loads the object through its
visibility check first (``attachment_for_user``, ``file_for_user``, ...) and passes it in
together with its file; the helper checks that the file is that object's and serves it as a
download that a browser neither renders, sniffs nor keeps.
"""

from __future__ import annotations

from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

DOWNLOAD_HEADERS = {
    # Never guess a type from the content: a "text/plain" file with HTML in it stays text.
    "X-Content-Type-Options": "nosniff",
    # Even if a browser shows the file, it runs nothing and loads nothing.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    # Non-public files: no shared cache keeps them, no browser stores them on disk.
    "Cache-Control": "private, no-store",
}


def protected_download(obj: models.Model, file: FieldFile, *, filename: str,
                       content_type: str) -> FileResponse:
    """``file`` of ``obj`` (already loaded through its visibility check) as an attachment
    named ``filename``; 404 if the stored file is missing."""
    if file.instance is not obj:
        raise ValueError("the file must belong to the object that was checked")
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
