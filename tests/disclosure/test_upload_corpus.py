"""A corpus of hostile uploads sent through the attachment form as the branch secretary.

Each file is either refused with a clear, translated message and leaves nothing on disk, or
stored under a random name with a cleaned display name and served as a download that no
browser renders: the declared type, ``attachment``, ``nosniff`` and a sandbox policy.
The multipart body is built by hand so file names reach the server byte for byte, as a
hostile client would send them (Django's test client would strip directories first).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from disclosure.models import Attachment, State
from disclosure.uploads import check_upload, clean_name

pytestmark = pytest.mark.django_db

BOUNDARY = "corpus-boundary-7f3a"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
SCRIPT_HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
POLYGLOT = b"%PDF-1.4\n" + SCRIPT_HTML + b"\n%%EOF\n"
STORED_NAME = re.compile(r"^attachments/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|txt|png|jpg|docx)$")

TYPE = "Files of this type are not accepted. Allowed: %(types)s."
CONTENT = "The content of the file does not match its type %(ext)s."
PIXELS = "The image has %(pixels)s megapixels; at most %(limit)s are accepted."
UNZIPPED = "The document expands to more than %(limit)s when opened."
TOO_LARGE = "The file is larger than %(limit)s."
# An empty file or a part without a file name never reaches the portal's checks: Django's
# form field answers first.
EMPTY = "The submitted file is empty."
NO_FILE = "This field is required."


def png(width: int, height: int) -> bytes:
    """Return a valid 1-bit grayscale PNG of zeros; big dimensions make a small bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def jpeg(width: int, height: int) -> bytes:
    """Return a JPEG header (APP0, then a baseline frame) declaring the given size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + frame + b"\xff\xd9"


def office_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bomb(megabytes: int) -> bytes:
    """Return a .docx whose document.xml inflates from a few KiB to ``megabytes`` MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            zeros = b"\x00" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(zeros)
    return buffer.getvalue()


@dataclass(frozen=True)
class Case:
    name: bytes
    data: bytes
    refusal: str | None = None  # the msgid shown, or None when the file is stored
    shown_as: str = ""  # the cleaned display name of a stored file
    served_as: str = ""  # the Content-Type of the download


REFUSED = {
    "html-script": Case(b"page.html", SCRIPT_HTML, TYPE),
    "svg-script": Case(b"logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg">'
                       b"<script>alert(1)</script></svg>", TYPE),
    "xml-entity": Case(b"data.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                       b'"file:///etc/passwd">]><x>&e;</x>', TYPE),
    "polyglot-html": Case(b"report.html", POLYGLOT, TYPE),
    "png-bomb": Case(b"poster.png", png(20000, 20000), PIXELS),
    "jpeg-bomb": Case(b"photo.jpg", jpeg(30000, 30000), PIXELS),
    "jpeg-named-png": Case(b"photo.png", jpeg(10, 10), CONTENT),
    "png-named-jpg": Case(b"photo.jpg", png(10, 10), CONTENT),
    "png-without-header": Case(b"cut.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, CONTENT),
    "jpeg-without-frame": Case(b"cut.jpg", b"\xff\xd8\xff\xe0\x00\x02" + b"\x00" * 20, CONTENT),
    "docx-bomb": Case(b"minutes.docx", docx_bomb(101), UNZIPPED),
    "zip-renamed-docx": Case(b"minutes.docx", office_zip({"word/document.xml": b"<d/>"}),
                             CONTENT),
    "exe-named-pdf": Case(b"report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, CONTENT),
    "empty-file": Case(b"empty.txt", b"", EMPTY),
    "rlo-exe": Case("invoice\u202etxt.exe".encode(), b"MZ\x90\x00", TYPE),
    "only-dots": Case(b"....", b"hello", TYPE),
    "empty-name": Case(b"", b"hello", NO_FILE),
}

STORED = {
    "txt-script": Case(b"notes.txt", SCRIPT_HTML, shown_as="notes.txt",
                       served_as="text/plain; charset=utf-8"),
    "polyglot-pdf": Case(b"report.pdf", POLYGLOT, shown_as="report.pdf",
                         served_as="application/pdf"),
    "small-png": Case(b"chart.png", png(64, 64), shown_as="chart.png", served_as="image/png"),
    "small-jpeg": Case(b"photo.jpg", jpeg(640, 480), shown_as="photo.jpg",
                       served_as="image/jpeg"),
    "docx": Case(b"minutes.docx", office_zip({"[Content_Types].xml": b"<Types/>",
                                              "word/document.xml": b"<d/>"}),
                 shown_as="minutes.docx", served_as="application/vnd.openxmlformats-"
                 "officedocument.wordprocessingml.document"),
    "unix-traversal": Case(b"../../etc/passwd.txt", b"root", shown_as="passwd.txt",
                           served_as="text/plain; charset=utf-8"),
    "windows-traversal": Case(b"..\\..\\boot.ini.txt", b"[boot]", shown_as="boot.ini.txt",
                              served_as="text/plain; charset=utf-8"),
    "control-characters": Case(b"a\x00b\x1bc\x07d.txt", b"x", shown_as="abcd.txt",
                               served_as="text/plain; charset=utf-8"),
    "line-breaks": Case(b"line\nbreak\r.txt", b"x", shown_as="linebreak.txt",
                        served_as="text/plain; charset=utf-8"),
    "bidi-override": Case("report\u202e\u2066fdp.txt".encode(), b"x", shown_as="reportfdp.txt",
                          served_as="text/plain; charset=utf-8"),
    "long-name": Case(("长" * 296 + ".txt").encode(), b"x", shown_as="长" * 146 + ".txt",
                      served_as="text/plain; charset=utf-8"),
    "windows-device": Case(b"CON.txt", b"x", shown_as="_CON.txt",
                           served_as="text/plain; charset=utf-8"),
    "markup-name": Case(b"&lt;img src=x onerror=alert(1)&gt;.txt", b"x",
                        shown_as="img src=x onerror=alert(1).txt",
                        served_as="text/plain; charset=utf-8"),
}


def multipart(name: bytes, data: bytes) -> bytes:
    head = (b'Content-Disposition: form-data; name="file"; filename="' + name + b'"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n")
    boundary = BOUNDARY.encode()
    return b"--" + boundary + b"\r\n" + head + data + b"\r\n--" + boundary + b"--\r\n"


def post_file(client, item, name: bytes, data: bytes):
    return client.post(f"/items/{item.pk}/attachments/", multipart(name, data),
                       content_type=f"multipart/form-data; boundary={BOUNDARY}", follow=True)


def media_tree(settings) -> set[str]:
    found = set()
    for root, _dirs, names in os.walk(settings.MEDIA_ROOT):
        found |= {os.path.relpath(os.path.join(root, n), settings.MEDIA_ROOT) for n in names}
    return found


def flashed(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def shown_text(msgid: str) -> str:
    """Return the Chinese text of a message up to its first placeholder."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    assert text != msgid
    return text.split("%(")[0]


@pytest.fixture
def draft(world, client):
    client.force_login(world.users["secretary"])
    return world.item(State.DRAFT)


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_hostile_file_is_refused_with_a_clear_message(draft, client, settings, case):
    before = media_tree(settings)
    response = post_file(client, draft, case.name, case.data)
    assert response.status_code == 200
    [(level, text)] = flashed(response)
    assert level == "error" and shown_text(case.refusal) in text
    assert not Attachment.objects.exists()
    assert media_tree(settings) == before


@pytest.mark.parametrize("case", STORED.values(), ids=STORED.keys())
def test_accepted_file_is_stored_at_random_and_served_inert(draft, client, settings, case):
    before = media_tree(settings)
    response = post_file(client, draft, case.name, case.data)
    assert flashed(response) == [("success", gettext("Attachment added."))]
    attachment = Attachment.objects.get()
    assert attachment.original_name == case.shown_as
    assert STORED_NAME.match(attachment.file.name), attachment.file.name
    assert media_tree(settings) - before == {attachment.file.name}
    download = client.get(f"/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == case.data
    assert download["Content-Type"] == case.served_as
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert not re.search(r"[\x00-\x1f\x7f]", download["Content-Disposition"])


def test_same_name_twice_gets_two_random_storage_names(draft, client):
    for _ in range(2):
        post_file(client, draft, b"report.pdf", PDF)
    first, second = Attachment.objects.values_list("file", flat=True)
    assert first != second and "report" not in first + second


def test_limit_is_exact_through_the_form(draft, client, settings, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = 64 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # the temporary-file path, as for big files
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    os.mkdir(settings.FILE_UPLOAD_TEMP_DIR)
    refused = post_file(client, draft, b"big.txt", b"a" * (64 * 1024 + 1))
    assert flashed(refused)[0][0] == "error" and shown_text(TOO_LARGE) in flashed(refused)[0][1]
    assert media_tree(settings) == set()
    assert os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []
    accepted = post_file(client, draft, b"exact.txt", b"a" * (64 * 1024))
    assert flashed(accepted)[0][0] == "success"
    assert Attachment.objects.get().size == 64 * 1024


def test_body_beyond_djangos_memory_limits_is_not_a_server_error(draft, client, settings):
    settings.ATTACHMENT_MAX_BYTES = 8 * 1024 * 1024
    big = max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.FILE_UPLOAD_MAX_MEMORY_SIZE) + 1
    accepted = post_file(client, draft, b"big.pdf", PDF + b"0" * big)
    assert flashed(accepted)[0][0] == "success"
    refused = post_file(client, draft, b"huge.pdf", PDF + b"0" * (8 * 1024 * 1024))
    assert refused.status_code == 200 and flashed(refused)[0][0] == "error"
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize("raw,cleaned", [
    ("a\x00b\nc\rd\x1be.txt", "abcde.txt"),
    ("evil\u202etxt.exe", "eviltxt.exe"),
    ("\u2067report\u2069\u200b\ufeff.pdf", "report.pdf"),
    ("C:\\Users\\x\\..\\CON.txt", "_CON.txt"),
    ("lpt1 .pdf", "_lpt1 .pdf"),
    ("...", "attachment"),
    ("", "attachment"),
    ("a" * 300 + ".docx", "a" * 145 + ".docx"),
])
def test_clean_name_drops_what_djangos_parser_already_drops_too(raw, cleaned):
    """Django removes non-printable characters from multipart file names before the form
    sees them; the portal's own cleaning holds for names from any other source."""
    assert clean_name(raw) == cleaned


SAMPLES = {".png": png(8, 8), ".jpg": jpeg(8, 8), ".pdf": PDF, ".txt": b"plain text",
           ".docx": STORED["docx"].data}


@hypothesis_settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extension=st.sampled_from(sorted(SAMPLES)), data=st.data())
def test_damaged_files_are_refused_cleanly(extension, data):
    """Truncated files and flipped bytes in the headers the checks read never raise
    anything but a ValidationError."""
    sample = bytearray(SAMPLES[extension])
    for _ in range(data.draw(st.integers(0, 6))):
        position = data.draw(st.integers(0, len(sample) - 1))
        sample[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(sample)))
    with contextlib.suppress(ValidationError):
        check_upload(SimpleUploadedFile(f"sample{extension}", bytes(sample[:cut])))
