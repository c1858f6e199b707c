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
    assert len(reviewer.get("/review/").context["page"].object_list) == 1


def test_demo_discloses_in_every_category_to_everyone_with_attachments():
    public = public_items()
    assert set(public.values_list("category", flat=True)) == set(Category.values)
    files = Attachment.objects.filter(item__in=public)
    assert {".pdf", ".png"} <= set(files.values_list("extension", flat=True))
    anonymous = Client()
    for item in public:
        assert anonymous.get(item.get_absolute_url()).status_code == 200, item.title
    for attachment in files:
        download = anonymous.get(f"/attachments/{attachment.pk}/")
        assert download.status_code == 200, attachment.original_name
        assert b"".join(download.streaming_content).startswith((b"%PDF-", b"\x89PNG"))
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
