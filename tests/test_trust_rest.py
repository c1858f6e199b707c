"""Smaller findings of the trust review: hidden and missing records cost the same queries,
organization trees stay within the depth their paths can hold, the SQLite demo takes
concurrent posts, OOXML uploads are checked for what they really contain, ``?org=`` naming
an organization the page cannot be about answers 404, and parent reviewers read pending
applications only once they are overdue."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from archive.models import ArchiveRecord
from portal import permissions

from .test_permission_registry import samples

pytestmark = pytest.mark.django_db

MISSING = 987_654


# Hidden and missing records: the same queries, of the same shape.


def _missing_twin(obj):
    """An unsaved copy of ``obj`` whose page would be that of a record that does not exist,
    and the value that names ``obj`` in its URL."""
    twin = copy.copy(obj)
    if isinstance(obj, ArchiveRecord):
        twin.archive_number = re.sub(r"\d+$", lambda m: f"{int(m.group()) + 97:04d}",
                                     obj.archive_number)
        return twin, obj.archive_number
    twin.pk = MISSING
    return twin, str(obj.pk)


def shape(sql: str) -> str:
    """The SQL with its literals masked, as pg_stat_statements normalizes statements."""
    return re.sub(r"\b\d+\b", "N", re.sub(r"'(?:[^']|'')*'", "'?'", sql))


def _queries(client: Client, url: str, method: str = "get") -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        status = getattr(client, method)(url).status_code
    return status, [shape(q["sql"]) for q in captured.captured_queries]


def test_hidden_and_missing_records_cost_the_same_queries(world):
    """For a signed-in member, the page of a record of another branch and the page of a
    record that does not exist run the same number of queries of the same SQL shape, for
    every kind of record with a page (archive numbers are sequential per category: a
    difference would let anyone count another organization's records by probing)."""
    member = world.users["other_member"]
    client = Client()
    client.force_login(member)
    compared = set()
    for obj in samples(world):
        rules = permissions.rules_for(type(obj))
        if rules.url is None or rules.can_view(member, obj):
            continue
        twin, real = _missing_twin(obj)
        url, missing_url = rules.url(obj), rules.url(twin)
        if real not in url or missing_url == url:
            continue  # the page is not named by the record's own key
        client.get(url)  # warm the session and caches alike for both
        client.get(missing_url)
        hidden_status, hidden = _queries(client, url)
        missing_status, missing = _queries(client, missing_url)
        name = type(obj).__name__
        assert hidden_status == missing_status == 404, (name, hidden_status, missing_status)
        assert len(hidden) == len(missing), (name, hidden, missing)
        assert hidden == missing, name
        compared.add(name)
    assert {"DisclosureItem", "ArchiveRecord", "Feedback", "DisclosureRequest",
            "ChangeRequest", "LedgerRecord", "RectificationOrder", "NonDisclosureFiling",
            "WorkPlan", "Attachment"} <= compared, compared


def test_seat_and_finding_posts_cost_the_same_for_hidden_and_missing(world):
    """The posts that name a group's seat or a record's finding look the record up through
    the visible groups or records, not the seat or finding first."""
    from django.utils import timezone

    from feedback import services as feedback_services
    from feedback.models import InspectionFinding

    from .test_permission_registry import supervision_samples

    order = feedback_services.rectification_order(
        organization=world.branch, actor=world.users["supervisor"], finding="公开栏内容长期未更新",
        requirement="", due_date=timezone.localdate() + dt.timedelta(days=5))
    group, _plan, inspection, *_rest = supervision_samples(world, order)
    seat = group.seats.first()
    finding = InspectionFinding.objects.create(record=inspection, organization=world.branch,
                                               text="发现的问题")
    client = Client()
    client.force_login(world.users["outsider"])
    client.get("/")  # both posts below read the account and rights from the cache alike
    for real, url_of in ((seat.pk, "/supervision-groups/seats/{}/end/"),
                         (finding.pk, "/inspections/findings/{}/order/")):
        hidden_status, hidden = _queries(client, url_of.format(real), "post")
        missing_status, missing = _queries(client, url_of.format(MISSING), "post")
        assert hidden_status == missing_status == 404
        assert hidden == missing, url_of


# Organization trees deeper than their paths can hold.


def _chain_csv(levels: int, prefix: str = "L") -> str:
    rows = ["code,name,type,parent", f"{prefix}1,{prefix}第1级党委,agency,"]
    rows += [f"{prefix}{n},{prefix}第{n}级党支部,agency,{prefix}{n - 1}"
             for n in range(2, levels + 1)]
    return "\n".join(rows) + "\n"


@pytest.fixture
def org_admin(db):
    from django.contrib.auth.models import Permission

    from .factories import UserFactory

    user = UserFactory(username="orgadmin", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        codename__in=["add_organization", "view_organization", "change_organization"]))
    return user


def _import(client: Client, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/admin/portal/organization/import/", {
        "kind": "organizations",
        "file": SimpleUploadedFile("orgs.csv", text.encode(), content_type="text/csv")})


def test_too_deep_organization_import_names_the_rows_instead_of_failing(client, org_admin):
    """A chain of 40 levels used to end in a database error (a path of more than 255
    characters) and a 500; now the rows below the limit's level are named, nothing is
    applied, and a tree at the limit imports."""
    from portal.models import Organization

    client.force_login(org_admin)
    page = _import(client, _chain_csv(40))
    assert page.status_code == 200
    text = page.content.decode()
    assert "L第31级党支部" in text and "L第40级党支部" in text and "L第30级党支部" not in text
    assert not Organization.objects.filter(code__startswith="L").exists()
    assert _import(client, _chain_csv(30)).status_code == 200
    assert Organization.objects.get(code="L30").depth == 29


def test_import_counts_the_levels_already_below_a_moved_organization(client, org_admin,
                                                                     settings):
    """Moving an existing organization under a deeper parent moves its subtree: the row
    that moves it is refused when an organization below would end too deep."""
    from portal import imports
    from portal.models import Organization

    settings.ORGANIZATION_MAX_LEVELS = 6
    from django.core.files.uploadedfile import SimpleUploadedFile

    imports.import_organizations(SimpleUploadedFile("a.csv", _chain_csv(4, "A").encode()),
                                 actor=org_admin)
    imports.import_organizations(SimpleUploadedFile("b.csv", _chain_csv(3, "B").encode()),
                                 actor=org_admin)
    client.force_login(org_admin)
    page = _import(client, "code,name,type,parent\nB1,B第1级党委,agency,A4\n")
    assert page.status_code == 200
    assert "B第3级党支部" in page.content.decode()  # B3 would sit at level 7
    assert Organization.objects.get(code="B1").parent is None
    assert _import(client, "code,name,type,parent\nB1,B第1级党委,agency,A3\n").status_code == 200
    assert Organization.objects.get(code="B3").depth == 5


def test_admin_form_refuses_a_parent_too_deep(client, org_admin, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal import imports
    from portal.models import Organization

    settings.ORGANIZATION_MAX_LEVELS = 4
    imports.import_organizations(SimpleUploadedFile("a.csv", _chain_csv(4, "A").encode()),
                                 actor=org_admin)
    client.force_login(org_admin)
    deepest = Organization.objects.get(code="A4")
    page = client.post("/admin/portal/organization/add/", {
        "code": "TOO", "name": "过深党支部", "level": "branch", "kind": "agency",
        "parent": deepest.pk, "is_active": "on",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    assert not Organization.objects.filter(code="TOO").exists()
    # Moving B1 (with a level below it) under A3 would put B2 at level 5.
    imports.import_organizations(SimpleUploadedFile("b.csv", _chain_csv(2, "B").encode()),
                                 actor=org_admin)
    b1 = Organization.objects.get(code="B1")
    form = {"code": "B1", "name": b1.name, "level": b1.level, "kind": b1.kind,
            "is_active": "on", "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0"}
    page = client.post(f"/admin/portal/organization/{b1.pk}/change/",
                       {**form, "parent": Organization.objects.get(code="A3").pk})
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    assert Organization.objects.get(code="B1").parent is None
    page = client.post(f"/admin/portal/organization/{b1.pk}/change/",
                       {**form, "parent": Organization.objects.get(code="A2").pk})
    assert page.status_code == 302
    assert Organization.objects.get(code="B2").depth == 3


# OOXML uploads: entries, real sizes, macros.


def _package(parts: dict[str, bytes], compression: int = 8) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx(**extra: bytes) -> dict[str, bytes]:
    return {"[Content_Types].xml": b'<Types><Default Extension="xml" ContentType='
            b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
            b'main+xml"/></Types>', "word/document.xml": b"<document>" + b"x" * 500
            + b"</document>", **extra}


def _lying(parts: dict[str, bytes], name: str, claimed: int) -> bytes:
    """A package whose directory claims ``claimed`` bytes for ``name`` (both headers)."""
    import struct

    data = bytearray(_package(parts))
    encoded = name.encode()
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(encoded)] == encoded:
                data[start + size_at:start + size_at + 4] = struct.pack("<I", claimed)
            start += 4
    return bytes(data)


def _files(settings) -> list[str]:
    import os

    return [name for _root, _dirs, names in os.walk(settings.MEDIA_ROOT) for name in names]


def _upload(client: Client, item, name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/items/{item.pk}/attachments/",
                       {"file": SimpleUploadedFile(name, data)}, follow=True)


ZEROS = b"\0" * (3 * 1024 * 1024)


@pytest.mark.parametrize("name,data,says", [
    ("宏.docx", _package(_docx(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" * 64})),
     "macros"),
    ("宏.xlsx", _package({"[Content_Types].xml": b'<Types><Override PartName="/xl/workbook'
                         b'.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.'
                         b'main+xml"/></Types>', "xl/workbook.xml": b"<workbook/>"}),
     "macros"),
    ("多.pptx", _package({"[Content_Types].xml": b"<Types/>", **{
        f"ppt/slides/s{n}.xml": b"" for n in range(2_001)}}, compression=0), "2000"),
    ("谎.docx", _lying(_docx(**{"word/media/big.bin": ZEROS}), "word/media/big.bin", 1000),
     "size it declares"),
    ("比.docx", _package(_docx(**{"word/media/big.bin": ZEROS})), "expands to more than"),
])
def test_crafted_ooxml_uploads_are_refused_and_leave_nothing(world, client, settings, name,
                                                             data, says):
    """Macros, 2,001 parts, a part that inflates to more than it declares, and a package
    that inflates to 1,000 times its size were all accepted; each is refused with its
    reason, and no file or record is left."""
    from disclosure.models import Attachment, State

    settings.LANGUAGE_CODE = "en"
    item = world.item(State.DRAFT)
    client.force_login(world.users["secretary"])
    page = _upload(client, item, name, data)
    shown = [str(m) for m in page.context["messages"]]
    assert any(says in m for m in shown), shown
    assert not Attachment.objects.exists()
    assert _files(settings) == []


def test_honest_compressed_ooxml_is_still_accepted(world, client, settings):
    from disclosure.models import Attachment, State

    item = world.item(State.DRAFT)
    client.force_login(world.users["secretary"])
    data = _package(_docx(**{"word/media/photo.bin": bytes(range(256)) * 400}))
    _upload(client, item, "报告.docx", data)
    assert Attachment.objects.get().size == len(data)


def test_organization_import_refuses_an_xlsx_with_lying_sizes(client, org_admin):
    """The import reads uploaded workbooks too: a part that inflates beyond what it
    declares is refused with a message, not read."""
    import io

    from openpyxl import Workbook

    from portal.models import Organization

    book = Workbook()
    book.active.append(["code", "name", "type", "parent"])
    book.active.append(["X1", "导入党委", "agency", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    import zipfile

    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/big.bin", ZEROS)
    crafted = bytearray(buffer.getvalue())
    encoded, start = b"xl/media/big.bin", 0
    import struct

    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := crafted.find(signature, start)) != -1:
            if crafted[start + name_at:start + name_at + len(encoded)] == encoded:
                crafted[start + size_at:start + size_at + 4] = struct.pack("<I", 10)
            start += 4
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(org_admin)
    page = client.post("/admin/portal/organization/import/", {
        "kind": "organizations", "file": SimpleUploadedFile("orgs.xlsx", bytes(crafted))})
    assert page.status_code == 200
    assert not Organization.objects.filter(code="X1").exists()


# The SQLite demo under concurrent posts.


@pytest.mark.slow
def test_sqlite_demo_takes_concurrent_posts(tmp_path):
    """Eight people posting feedback at once on the demo's SQLite file: with SQLite's
    default deferred transactions most posts failed with "database is locked" (a 500);
    with the settings' immediate transactions, timeout and write-ahead log all are taken.
    Runs in a subprocess with the portal's own settings on a SQLite file."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).with_name("sqlite_concurrency.py")
    env = {**os.environ, "PORTAL_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "demo.sqlite3")],
                          capture_output=True, text=True, env=env, timeout=300, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["errors"] == [] and report["taken"] == 40, report


# ?org= naming an organization the page cannot be about.


def test_group_list_for_someone_elses_organization_answers_404(world, client):
    """A branch member asking for another branch's supervision groups got that branch's
    (empty) group page; now 404, as for an unknown code."""
    client.force_login(world.users["member"])
    assert client.get("/supervision-groups/?org=B1").status_code == 200
    assert client.get("/supervision-groups/?org=B2").status_code == 404
    assert client.get("/supervision-groups/?org=NOPE").status_code == 404
    client.force_login(world.users["supervisor"])  # supervises the whole tree
    assert client.get("/supervision-groups/?org=B2").status_code == 200
    # The organization's page offers the link only to those it leads somewhere for.
    link = "/supervision-groups/?org=B1"
    assert link in client.get("/orgs/B1/").content.decode()
    client.force_login(world.users["other_member"])
    assert link not in client.get("/orgs/B1/").content.decode()


def test_commitment_list_for_an_unknown_organization_answers_404(world, client):
    assert client.get("/commitments/?org=B1").status_code == 200
    assert client.get("/commitments/?org=NOPE").status_code == 404


def test_feedback_form_naming_another_organization_than_its_items_answers_404(world, client):
    from disclosure.models import State

    item = world.item(State.PUBLIC)
    assert client.get(f"/feedback/new/?item={item.pk}").status_code == 200
    assert client.get(f"/feedback/new/?item={item.pk}&org=B1").status_code == 200
    assert client.get(f"/feedback/new/?item={item.pk}&org=B2").status_code == 404


# Pending applications and the parent's reviewers.


def test_parent_reviewers_read_an_application_only_once_filed_or_overdue(world, client):
    """The parent's reviewers read a pending application (the applicant and the reason)
    as soon as it was made; now only once it is answered and filed with them, or overdue
    (supervision). The branch's officers, the applicant and the supervisors of the tree
    read it throughout."""
    from disclosure import services
    from disclosure.models import DisclosureRequest
    from disclosure.permissions import visible_requests

    reviewer = world.users["reviewer"]
    pending = services.request_submit(organization=world.branch,
                                      applicant=world.users["member"],
                                      subject="申请公开党费使用情况", reason="理由RQ7需要核对")
    late = services.request_submit(organization=world.branch, applicant=world.users["member"],
                                   subject="申请公开活动经费", reason="理由LT3")
    DisclosureRequest.objects.filter(pk=late.pk).update(
        due_date=timezone_today() - dt.timedelta(days=1))
    answered = services.request_submit(organization=world.branch,
                                       applicant=world.users["member"],
                                       subject="申请公开会议记录", reason="理由AN5")
    services.request_answer(request_id=answered.pk, actor=world.users["secretary"],
                            decision="declined", answer="涉及个人隐私，不予公开。")

    def status(user, request) -> int:
        client.force_login(user)
        return client.get(f"/requests/{request.pk}/").status_code

    assert status(reviewer, pending) == 404
    assert status(reviewer, late) == 200
    assert status(reviewer, answered) == 200
    assert set(visible_requests(reviewer)) == {late, answered}
    for name in ("secretary", "member", "supervisor"):
        assert status(world.users[name], pending) == 200, name
    assert status(world.users["other_member"], pending) == 404


def timezone_today():
    from django.utils import timezone

    return timezone.localdate()
