from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from catalog import defaults
from catalog.models import Catalog, CatalogEntry, Category
from catalog.services import load_default_catalogs
from disclosure.models import Attachment, DisclosureItem, Obligation, State
from disclosure.visibility import public_items
from portal.models import Membership, Organization, User

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (Organization.objects.count(), User.objects.count(), Membership.objects.count(),
            DisclosureItem.objects.count(), Attachment.objects.count(),
            Catalog.objects.count(), CatalogEntry.objects.count(), Obligation.objects.count())


def test_seed_demo_is_idempotent_and_covers_every_state():
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    states = set(DisclosureItem.objects.values_list("state", flat=True))
    assert states >= {State.DRAFT, State.SUBMITTED, State.RETURNED, State.APPROVED,
                      State.INTERNAL, State.PUBLIC}
    assert Organization.objects.filter(level="general_branch").count() == 2
    assert Organization.objects.filter(level="branch").count() == 4


def test_demo_accounts_log_in_and_see_their_pages():
    from portal.management.commands.seed_demo import DEMO_PASSWORD

    call_command("seed_demo", stdout=io.StringIO())
    pages = {"secretary": "/workspace/", "reviewer": "/review/", "member": "/mine/",
             "supervisor": "/items/", "catalog_admin": "/admin/catalog/catalog/"}
    for username, url in pages.items():
        client = Client()
        response = client.post("/accounts/login/", {"username": username,
                                                    "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response.url == "/", username
        assert client.get(url).status_code == 200, (username, url)
    reviewer = Client()
    reviewer.post("/accounts/login/", {"username": "reviewer", "password": DEMO_PASSWORD})
    assert len(reviewer.get("/review/").context["page"].object_list) == 1


def test_demo_discloses_in_every_category_to_everyone_with_attachments():
    call_command("seed_demo", stdout=io.StringIO())
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
    call_command("seed_demo", stdout=io.StringIO())
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
