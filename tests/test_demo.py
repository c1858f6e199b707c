"""The demo data, seeded once for this module: every test reads (and may change, inside its
own transaction) the same committed demo database, which is emptied again when the module
ends, as a transactional test's teardown does."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from catalog import defaults
from catalog.models import Catalog, CatalogEntry, Category
from catalog.services import load_default_catalogs
from disclosure.models import Attachment, DisclosureItem, Obligation, State
from disclosure.visibility import public_items
from portal.models import Membership, Organization, User

FAST = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "YEAR_REPORT_PDF": False}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, demo_media):
    """As in conftest, but every test reads the files the module's demo stored."""
    settings.MEDIA_ROOT = demo_media
    for name, value in FAST.items():
        setattr(settings, name, value)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, demo_media):
    from django.core.cache import cache

    from portal.celery import app

    app.conf.task_always_eager = True
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=demo_media, **FAST):
        cache.clear()
        call_command("seed_demo", stdout=io.StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


def counts() -> tuple[int, ...]:
    return (Organization.objects.count(), User.objects.count(), Membership.objects.count(),
            DisclosureItem.objects.count(), Attachment.objects.count(),
            Catalog.objects.count(), CatalogEntry.objects.count(), Obligation.objects.count())


def test_seed_demo_is_idempotent_and_covers_every_state():
    from archive.models import YearReport
    from disclosure.models import LedgerRecord

    first = (counts(), LedgerRecord.objects.count(), YearReport.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (counts(), LedgerRecord.objects.count(), YearReport.objects.count()) == first
    assert YearReport.objects.count() == 1
    states = set(DisclosureItem.objects.values_list("state", flat=True))
    assert states >= {State.DRAFT, State.SUBMITTED, State.RETURNED, State.APPROVED,
                      State.INTERNAL, State.PUBLIC}
    assert Organization.objects.filter(level="general_branch").count() == 2
    assert Organization.objects.filter(level="branch").count() == 4


def test_demo_accounts_log_in_and_see_their_pages():
    from portal.management.commands.seed_demo import DEMO_PASSWORD

    pages = {"secretary": "/workspace/", "reviewer": "/review/", "member": "/mine/",
             "supervisor": "/items/", "catalog_admin": "/admin/catalog/catalog/"}
    for username, url in pages.items():
        client = Client()
        response = client.post("/accounts/login/", {"username": username,
                                                    "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response.url == "/start/", username
        assert client.get(url).status_code == 200, (username, url)
    reviewer = Client()
    reviewer.post("/accounts/login/", {"username": "reviewer", "password": DEMO_PASSWORD})
    # One item waits for the reviewer: the inbox's first list (its part may be kept from
    # the visit above, so read the page, not the context it was drawn with).
    html = reviewer.get("/review/").content.decode()
    assert "待审核事项" in html
    waiting = html.split('<ul class="item-list">', 1)[1].split("</ul>", 1)[0]
    assert waiting.count('<li class="item-row">') == 1


def test_demo_discloses_in_every_category_to_everyone_with_attachments():
    public = public_items()
    assert set(public.values_list("category", flat=True)) == set(Category.values)
    files = Attachment.objects.filter(item__in=public)
    assert {".pdf", ".png", ".docx"} <= set(files.values_list("extension", flat=True))
    anonymous = Client()
    for item in public:
        assert anonymous.get(item.get_absolute_url()).status_code == 200, item.title
    for attachment in files:
        download = anonymous.get(f"/attachments/{attachment.pk}/")
        assert download.status_code == 200, attachment.original_name
        assert b"".join(download.streaming_content).startswith(
            (b"%PDF-", b"\x89PNG", b"PK\x03\x04"))
    # The committee discloses its own affairs too.
    assert public.filter(organization__code="CD").exists()


def test_demo_uses_the_default_catalogs_and_loading_them_again_creates_nothing():
    issuer = Organization.objects.get(code="CD")
    catalogs = Catalog.objects.filter(issuer=issuer, version=defaults.DEFAULT_VERSION,
                                      state=Catalog.State.ACTIVE)
    for kind in Organization.Kind.values:
        assert catalogs.filter(binds_kinds=[kind], binds_issuer=False).count() == 1, kind
    assert catalogs.filter(binds_issuer=True).count() == 1
    assert catalogs.count() == len(defaults.CATALOG_KEYS) == Catalog.objects.count()
    before = (Catalog.objects.count(), CatalogEntry.objects.count())
    assert not any(r.created for r in load_default_catalogs(issuer=issuer))
    assert (Catalog.objects.count(), CatalogEntry.objects.count()) == before


def test_demo_shows_the_party_rules_at_work():
    """What a walk through the demo relies on: the 党总支's subtree item reaches a branch
    below it and not another 党总支's branch; an archived public item still opens for an
    anonymous visitor with its 档号; a 公示 ended with an objection handled and its result
    shown; the unit's staff read what is disclosed to the unit's people."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client

    from disclosure.models import DisclosureItem, State
    from disclosure.visibility import can_view, visible_items
    from portal.models import User

    users = {u.username: u for u in User.objects.all()}
    subtree = DisclosureItem.objects.get(title="机关党总支关于加强机关作风建设的决定")
    assert subtree.state == State.INTERNAL
    assert can_view(users["member"], subtree) and not can_view(users["member2"], subtree)
    archived = DisclosureItem.objects.filter(state=State.ARCHIVED,
                                             public_at__isnull=False).first()
    assert archived is not None and can_view(AnonymousUser(), archived)
    page = Client().get(f"/items/{archived.pk}/").content.decode()
    assert archived.archive_record.archive_number in page
    ended = DisclosureItem.objects.get(title="关于李娜同志预备党员转正的公示")
    assert (ended.state, ended.publicity_result) == (State.EXPIRED, "objections_handled")
    assert ended.publicity_start() <= ended.display_until < timezone.localdate()
    reader = Client()
    reader.force_login(users["member2"])
    assert "同意按期转正" in reader.get(f"/items/{ended.pk}/").content.decode()
    unit = visible_items(users["staff"]).exclude(
        pk__in=visible_items(AnonymousUser()).values("pk"))
    assert unit.exists()
    top = DisclosureItem.objects.filter(organization__code="CD", state=State.PUBLIC)
    assert top.exists()


def test_demo_committee_publishes_its_annual_plan_linked_from_the_catalog_pages():
    year = timezone.localdate().year
    plan = DisclosureItem.objects.get(plan_year=year)
    assert plan.organization.code == "CD" and plan.state == State.PUBLIC
    assert plan.plan_of.issuer_id == plan.organization_id
    response = Client().get("/orgs/CD-JG-01/catalog/")
    assert plan.title in response.content.decode()
    states = {o.status for row in response.context["rows"] for o in row.obligations}
    assert len(states) >= 3, states


def test_demo_runs_the_committee_year():
    """The demo's year: a supervision group whose inspection opened an order answered with
    evidence, ledger postings with photos, published commitments, resident codes that voted,
    and a year-end report the supervisor downloads and LibreOffice opens."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from docx import Document

    from archive.models import YearReport
    from disclosure.models import LedgerRecord
    from feedback.models import (
        Ballot,
        Commitment,
        InspectionFinding,
        InspectionRecord,
        SupervisionGroup,
    )

    group = SupervisionGroup.objects.get(organization__code="CD")
    assert group.seats.filter(until__isnull=True, is_leader=True).get().user.username == (
        "supervisor")
    finding = InspectionFinding.objects.exclude(order=None).select_related("order").get()
    assert finding.order.evidence.exists() and finding.order.state == "responded"
    assert InspectionRecord.objects.filter(state="published").exists()
    postings = LedgerRecord.objects.filter(carrier="notice_board", state="recorded")
    assert postings.filter(organization__code="CD-JG-01", evidence__isnull=False).exists()
    assert postings.filter(organization__code="CD-SQ-01", evidence__isnull=False).exists()
    assert Commitment.objects.filter(state="published", year=timezone.localdate().year,
                                     organization__code="CD-JG-01").exists()
    assert Ballot.objects.filter(code__isnull=False).count() > 0
    assert Ballot.objects.filter(voter__isnull=False).count() > 0

    # The secretary keeps the ledger; the supervisor downloads the committee's report.
    client = Client()
    client.force_login(User.objects.get(username="secretary"))
    assert client.get("/orgs/CD-JG-01/ledger/").status_code == 200
    client.force_login(User.objects.get(username="supervisor"))
    report = YearReport.objects.get(organization__code="CD")
    response = client.get(f"/reports/{report.pk}/download.docx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert report.overview in text
    program = shutil.which("soffice")
    if program is None:  # python-docx read it above; LibreOffice is not on this machine
        return
    with tempfile.TemporaryDirectory() as work:
        source = Path(work, "report.docx")
        source.write_bytes(content)
        subprocess.run([program, "--headless", f"-env:UserInstallation=file://{work}/profile",
                        "--convert-to", "pdf", "--outdir", work, str(source)],
                       check=True, capture_output=True, timeout=180)
        assert Path(work, "report.pdf").read_bytes()[:4] == b"%PDF"


def test_demo_report_is_a_draft_the_supervisor_downloads(client):
    from docx import Document

    from archive.models import YearReport

    report = YearReport.objects.get()
    assert (report.organization.code, report.year, report.state) == (
        "CD", timezone.localdate().year, "draft")
    assert report.figures["items"]["total"] > 0
    from portal.models import User

    client.force_login(User.objects.get(username="supervisor"))
    response = client.get(f"/reports/{report.pk}/download.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert report.overview in "\n".join(p.text for p in document.paragraphs)
    client.force_login(User.objects.get(username="member"))
    assert client.get(f"/reports/{report.pk}/download.docx").status_code == 404


def test_demo_ledger_has_photos_minutes_a_document_and_a_gap():
    from PIL import Image

    from disclosure import ledger
    from disclosure.models import LedgerEvidence, LedgerRecord
    from disclosure.obligations import calendar_for

    orgs = {o.code: o for o in Organization.objects.filter(code__in=["CD-JG-01", "CD-SQ-01"])}
    for org in orgs.values():
        postings = LedgerRecord.objects.filter(organization=org, carrier="notice_board")
        assert postings.count() >= 2
        for evidence in LedgerEvidence.objects.filter(record__in=postings):
            with evidence.file.open("rb") as handle, Image.open(handle) as photo:
                photo.load()
    assert LedgerRecord.objects.filter(carrier="meeting").exclude(minutes="").exists()
    assert LedgerRecord.objects.filter(carrier="document").exists()
    gaps = ledger.gaps_by_organization([o.pk for o in orgs.values()], timezone.localdate().year)
    rows = calendar_for(orgs["CD-JG-01"])
    assert sum(gaps.values()) > 0 or any(
        o.ledger_missing for group in rows.values() for o in group)


def test_demo_publishes_an_answered_suggestion_under_its_item():
    """The suggestion consented to publication and answered with the confidentiality check
    shows, question and answer, on its public item's page for anonymous visitors."""
    from feedback.models import Feedback

    answered = Feedback.objects.get(body__startswith="建议在公开栏")
    assert answered.confidentiality_checked and answered.item is not None
    page = Client().get(answered.item.get_absolute_url()).content.decode()
    assert "建议在公开栏" in page and "感谢建议" in page


# `make run`: the port, the links that follow it, and the demo's error pages.

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def make_run_lines(*args: str) -> dict[str, str]:
    """Return what `make -n run ARGS` would start, by program: worker, beat, runserver."""
    import os
    import subprocess

    # Not what a `make test` around the tests was told.
    env = {k: v for k, v in os.environ.items()
           if k not in ("PORT", "PORTAL_BASE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    out = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    lines = {}
    for line in out.splitlines():
        words = line.split()
        name = ("runserver" if "runserver" in words else
                "worker" if "worker" in words else "beat" if "beat" in words else None)
        if name is not None:
            lines[name] = line.strip().rstrip("\\&; ")
    return lines


def run_env(line: str) -> dict[str, str]:
    """The VAR=value words that start a command line of the Makefile."""
    env = {}
    for word in line.split():
        if "=" not in word or word.startswith("-"):
            break
        key, value = word.split("=", 1)
        env[key] = value
    return env


def demo_settings(env: dict[str, str], *names: str) -> dict:
    import json
    import os
    import subprocess
    import sys

    full = {k: v for k, v in os.environ.items()
            if k not in ("DEBUG", "SECRET_KEY", "PORTAL_BASE_URL", "SECURE_SSL_REDIRECT",
                         "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "ALLOWED_HOSTS")}
    full.update(env, DJANGO_SETTINGS_MODULE="portal.settings")
    code = ("import json, django; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)}}}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full, check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_serves_on_the_port_given_and_mails_links_to_it(settings):
    import re

    from django.core import mail

    lines = make_run_lines("PORT=8010")
    assert lines["runserver"].endswith("runserver 127.0.0.1:8010"), lines
    for name in ("worker", "beat", "runserver"):  # the worker sends the mail
        assert run_env(lines[name])["PORTAL_BASE_URL"] == "http://127.0.0.1:8010", lines[name]
    assert make_run_lines()["runserver"].endswith("runserver 127.0.0.1:8000")
    chosen = make_run_lines("PORT=8010", "PORTAL_BASE_URL=https://dangwu.example.org")
    assert run_env(chosen["runserver"])["PORTAL_BASE_URL"] == "https://dangwu.example.org"

    values = demo_settings(run_env(lines["runserver"]), "PORTAL_BASE_URL", "DEBUG",
                           "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE")
    assert values == {"PORTAL_BASE_URL": "http://127.0.0.1:8010", "DEBUG": False,
                      "SECURE_SSL_REDIRECT": False, "SESSION_COOKIE_SECURE": False}
    settings.PORTAL_BASE_URL = values["PORTAL_BASE_URL"]
    mail.outbox = []
    response = Client().post("/accounts/password/reset/", {"email": "member@example.org"})
    assert response.status_code == 302
    link = re.search(r"http://127\.0\.0\.1:8010/accounts/password/reset/\S+/",
                     mail.outbox[-1].body)
    assert link, mail.outbox[-1].body


def test_the_demo_key_is_for_loopback_only():
    import subprocess
    import sys

    line = make_run_lines()["runserver"]
    env = {**__import__("os").environ, **run_env(line), "ALLOWED_HOSTS": "dangwu.example.org"}
    env.pop("SECRET_KEY", None)
    env.pop("DEBUG", None)
    result = subprocess.run([sys.executable, "-c", "import portal.settings"], cwd=ROOT,
                            env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "PORTAL_DEMO" in result.stderr


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_server_answers_unknown_and_hidden_pages_with_the_portals_404(tmp_path):
    """The demo as `make run` starts it (its environment, runserver) on the seeded demo:
    an unknown address and a logged-out visitor's intra-party link get the portal's 404
    page, not Django's technical one; its style sheet is served."""
    import os
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from django.db import connection

    db = connection.settings_dict
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    env.update(run_env(make_run_lines(f"PORT={port}")["runserver"]),
               DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@"
                            f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
               PORTAL_VAR_DIR=str(tmp_path), DB_CONN_MAX_AGE="0")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(path: str) -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                         headers={"Accept-Language": "zh-hans"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    try:
        for _attempt in range(120):
            try:
                get("/health/")
                break
            except OSError:
                time.sleep(0.25)
        internal = DisclosureItem.objects.filter(state=State.INTERNAL).first()
        for path in ("/no-such-page/", f"/items/{internal.pk}/", "/items/99999999/"):
            status, page = get(path)
            assert status == 404, path
            assert "登录" in page and "返回首页" in page, page[:300]
            assert "Page not found" not in page and "URLconf" not in page
        assert get("/static/css/portal.css")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_server_error_shows_the_portals_500_page(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错" in page and "portal.css" in page


# Every workflow of the demo has a row to open, on the list page of the role that reads it.

LIST_PAGES = [
    # (user, page, context list, what it shows)
    ("reviewer", "/review/", "page", "items to review"),
    ("reviewer", "/review/", "filings", "non-disclosure filings"),
    ("reviewer2", "/changes/", "pending", "change requests awaiting approval"),
    ("reviewer2", "/changes/", "plans", "out-of-catalog work plans"),
    ("secretary", "/workspace/", "page", "the branch's items"),
    ("secretary", "/requests/", "page", "on-request applications"),
    ("member", "/requests/", "page", "the member's applications"),
    ("secretary", "/feedback/inbox/?state=replied", "page", "feedback handled"),
    ("secretary", "/feedback/inbox/?state=rejected", "page", "feedback declined"),
    ("secretary2", "/feedback/inbox/?kind=objection", "page", "objections"),
    ("member", "/feedback/mine/", "page", "the member's feedback"),
    ("secretary", "/rectification/", "page", "rectification orders"),
    ("supervisor", "/rectification/", "page", "rectification orders"),
    ("supervisor", "/inspections/", "page", "inspection records"),
    ("supervisor", "/inspections/plans/", "page", "inspection plans"),
    ("supervisor", "/supervision-groups/", "page", "supervision groups"),
    ("member", "/evaluation/", "open", "evaluation campaigns"),
    ("secretary", "/orgs/CD-JG-01/ledger/", "page", "offline postings (ledger)"),
    ("secretary2", "/orgs/CD-SQ-01/ledger/", "page", "offline postings (ledger)"),
    ("member", "/archive/", "page", "archive records"),
    ("supervisor", "/archive/", "page", "archive records"),
    ("supervisor", "/reports/", "page", "year-end reports"),
    ("member", "/mine/", "page", "intra-party items"),
]


@pytest.mark.parametrize(("username", "url", "key", "what"), LIST_PAGES,
                         ids=[f"{u}:{url}:{k}" for u, url, k, _w in LIST_PAGES])
def test_every_list_page_of_the_demo_has_a_row(username, url, key, what):
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get(url)
    assert response.status_code == 200, url
    rows = response.context[key]
    rows = getattr(rows, "object_list", rows)
    assert len(list(rows)) >= 1, f"{username} sees no {what} at {url}"


def test_demo_changes_one_published_item_and_waits_to_change_another():
    from disclosure.models import ChangeRequest
    from portal.management.commands import _demo_workflows as flows

    approved = ChangeRequest.objects.get(state=ChangeRequest.State.APPROVED)
    item = approved.item
    assert item.body == flows.CHANGED_BODY and item.state == State.PUBLIC
    old = [h.body for h in item.history.all()]  # type: ignore[attr-defined]
    assert any("刘强" not in body for body in old), "the first version is kept"
    assert "刘强" in Client().get(item.get_absolute_url()).content.decode()
    pending = ChangeRequest.objects.get(state=ChangeRequest.State.SUBMITTED)
    assert pending.item.title == flows.PENDING_TITLE
    assert "0731-8888 1234" in pending.item.body  # unchanged until approved
    reviewer = Client()
    reviewer.force_login(User.objects.get(username="reviewer2"))
    for change in (approved, pending):
        assert reviewer.get(f"/changes/{change.pk}/").status_code == 200


def test_demo_public_word_document_opens():
    from docx import Document

    attachment = Attachment.objects.get(item__in=public_items(), extension=".docx")
    response = Client().get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(
        io.BytesIO(b"".join(response.streaming_content))).paragraphs)
    assert "组织关系转接" in text
