"""The one protected download: serves only the checked object's own file, as a private
attachment that browsers neither render nor keep, and 404 when the stored file is gone."""

from __future__ import annotations

import pytest
from django.http import Http404

from disclosure.models import State
from portal.downloads import protected_download

pytestmark = pytest.mark.django_db


def test_serves_the_objects_file_with_the_headers(world):
    attachment = world.item(State.PUBLIC, attachment="附件".encode()).attachments.get()
    response = protected_download(attachment, attachment.file, filename="会议纪要.txt",
                                  content_type="text/plain")
    assert b"".join(response.streaming_content) == "附件".encode()
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"


def test_refuses_a_file_of_another_object(world):
    checked = world.item(State.PUBLIC, attachment=b"a").attachments.get()
    other = world.item(State.INTERNAL, title="内部", attachment=b"b").attachments.get()
    with pytest.raises(ValueError):
        protected_download(checked, other.file, filename="b.txt", content_type="text/plain")


def test_no_stored_file_is_404(world):
    attachment = world.item(State.PUBLIC, attachment=b"a").attachments.get()
    attachment.file.name = ""
    with pytest.raises(Http404):
        protected_download(attachment, attachment.file, filename="a.txt",
                           content_type="text/plain")
