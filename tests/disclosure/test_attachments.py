"""Attachments: checked by content, stored under random names, served only when visible."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from disclosure import services
from disclosure.models import Attachment, State
from portal.workflow import TransitionError

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def files_on_disk(settings) -> list[str]:
    found = []
    for root, _dirs, names in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, n) for n in names]
    return found


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name,data", [
    ("报告.pdf", PDF), ("名单.docx", docx_bytes()), ("说明.txt", "中文说明".encode()),
    ("图.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"),
])
def test_accepted_types_are_stored_under_random_names(world, settings, name, data):
    item = world.item(State.DRAFT)
    attachment = services.attachment_add(item_id=item.pk, actor=world.users["secretary"],
                                         upload=upload(name, data))
    assert attachment.original_name == name
    stored = os.path.basename(attachment.file.name)
    assert name.split(".")[0] not in stored and len(stored.split(".")[0]) == 32
    assert str(settings.MEDIA_ROOT) in attachment.file.path
    assert attachment.size == len(data)


@pytest.mark.parametrize("name,data", [
    ("fake.pdf", b"<html><script>alert(1)</script></html>"),
    ("page.html", b"<html></html>"),
    ("image.svg", b"<svg onload='alert(1)'/>"),
    ("bad.docx", b"PK\x03\x04 not really a zip"),
    ("binary.txt", b"abc\x00def"),
    ("empty.pdf", b""),
])
def test_refused_uploads_leave_nothing(world, settings, name, data):
    item = world.item(State.DRAFT)
    with pytest.raises(ValidationError):
        services.attachment_add(item_id=item.pk, actor=world.users["secretary"],
                                upload=upload(name, data))
    assert not Attachment.objects.exists()
    assert files_on_disk(settings) == []


def test_file_over_the_limit_is_refused(world, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    item = world.item(State.DRAFT)
    with pytest.raises(ValidationError):
        services.attachment_add(item_id=item.pk, actor=world.users["secretary"],
                                upload=upload("big.txt", b"a" * 1001))
    services.attachment_add(item_id=item.pk, actor=world.users["secretary"],
                            upload=upload("ok.txt", b"a" * 1000))
    assert Attachment.objects.count() == 1


def test_path_traversal_name_is_neutralised(world, settings):
    item = world.item(State.DRAFT)
    attachment = services.attachment_add(
        item_id=item.pk, actor=world.users["secretary"],
        upload=upload("../../etc/pass\x07wd.txt", b"hello"))
    assert attachment.original_name == "passwd.txt"
    assert os.path.realpath(attachment.file.path).startswith(str(settings.MEDIA_ROOT))


@pytest.mark.parametrize("state,who,error", [
    (State.SUBMITTED, "secretary", TransitionError),
    (State.DRAFT, "member", PermissionDenied),
], ids=["after-submission", "member"])
def test_attaching_after_submission_or_as_member_is_refused_and_leaves_no_file(
        world, settings, state, who, error):
    item = world.item(state)
    with pytest.raises(error):
        services.attachment_add(item_id=item.pk, actor=world.users[who],
                                upload=upload("a.pdf", PDF))
    assert files_on_disk(settings) == []


def test_download_is_an_attachment_with_safe_headers(world, client):
    item = world.item(State.PUBLIC, attachment="公开附件".encode())
    response = client.get(f"/attachments/{item.attachments.get().pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"


def test_missing_stored_file_answers_404(world, client):
    attachment = world.item(State.PUBLIC, attachment=b"x").attachments.get()
    os.remove(attachment.file.path)
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_upload_and_remove_through_the_page(world, client, settings):
    item = world.item(State.DRAFT)
    client.force_login(world.users["secretary"])
    page = client.post(f"/items/{item.pk}/attachments/",
                       {"file": upload("会议纪要.pdf", PDF)}, follow=True)
    assert "会议纪要.pdf" in page.content.decode()
    attachment = Attachment.objects.get()
    client.post(f"/attachments/{attachment.pk}/delete/")
    assert not Attachment.objects.exists()


def test_bad_upload_through_the_page_shows_error(world, client, settings):
    item = world.item(State.DRAFT)
    client.force_login(world.users["secretary"])
    page = client.post(f"/items/{item.pk}/attachments/",
                       {"file": upload("x.exe", b"MZ....")}, follow=True)
    assert page.status_code == 200
    assert list(page.context["messages"])[0].level_tag == "error"
    assert files_on_disk(settings) == []
