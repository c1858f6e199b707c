"""The one protected download: serves the checked object's own file under its download
name, as a private attachment that browsers neither render nor keep, and 404 when the
stored file is gone."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.http import Http404

from archive import services as archive_services
from disclosure.models import State
from portal.downloads import protected_download

pytestmark = pytest.mark.django_db


def test_serves_the_objects_file_with_the_headers(world):
    attachment = world.item(State.PUBLIC, attachment="附件".encode()).attachments.get()
    attachment.original_name = "会议纪要.txt"
    response = protected_download(attachment)
    assert b"".join(response.streaming_content) == "附件".encode()
    assert response["Content-Type"] == attachment.content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"


def test_archived_copies_download_under_their_own_name(world):
    item = world.item(State.INTERNAL, attachment=b"copy")
    record = archive_services.archive_item(item_id=item.pk, actor=world.users["secretary"])
    copy = record.files.get()
    response = protected_download(copy)
    assert b"".join(response.streaming_content) == b"copy"
    assert copy.name == "附件.txt"
    assert f"filename*=utf-8''{quote(copy.name)}" in response["Content-Disposition"]


def test_no_stored_file_is_404(world):
    attachment = world.item(State.PUBLIC, attachment=b"a").attachments.get()
    attachment.file.name = ""
    with pytest.raises(Http404):
        protected_download(attachment)
