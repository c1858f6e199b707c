from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from disclosure.models import DisclosureItem, State
from portal.models import Membership, Organization, User

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (Organization.objects.count(), User.objects.count(), Membership.objects.count(),
            DisclosureItem.objects.count())


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
