"""Shared fixtures: a small organization tree with one person per role, and a catalog."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog.models import CatalogEntry, Duration, Frequency, PublicAudience
from disclosure import services
from disclosure.models import DisclosureItem, State
from portal.models import Organization, Role, User

from .factories import (
    CatalogEntryFactory,
    CatalogFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)


def pytest_configure(config):
    """``make test`` runs the tests in several processes (pytest-xdist), each on a test
    database of its own (pytest-django names them apart). The cache is a Redis database
    that every test empties: each process gets its own (the given one's number plus the
    worker's), and so do the servers and workers a test starts."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    from django.conf import settings

    location = settings.CACHES["default"].get("LOCATION", "")
    found = re.fullmatch(r"(redis://[^/]+)/(\d+)", str(location))
    if not worker.startswith("gw") or found is None:
        return
    from django.test.signals import clear_cache_handlers

    number = (int(found[2]) + int(worker.removeprefix("gw"))) % 16
    settings.CACHES["default"]["LOCATION"] = os.environ["CACHE_URL"] = f"{found[1]}/{number}"
    clear_cache_handlers(setting="CACHES")


@dataclass
class World:
    committee: Organization
    general: Organization
    branch: Organization
    other_branch: Organization
    users: dict[str, User] = field(default_factory=dict)
    entries: dict[str, CatalogEntry] = field(default_factory=dict)

    def item(self, state: str = State.DRAFT, *, entry: str = "public",
             org: Organization | None = None, title: str = "党费收缴情况公开",
             attachment: bytes | None = None) -> DisclosureItem:
        """Create an item of ``org`` (the branch by default) and walk it to ``state``."""
        org = org or self.branch
        sec = {self.branch: self.users["secretary"], self.other_branch:
               self.users["other_secretary"]}.get(org) or self._secretary_of(org)
        reviewer = self.users["reviewer"] if org.parent == self.general else (
            self.users["committee_reviewer"])
        chosen = self.entries[entry]
        dates = {"event_date": timezone.localdate()} if (
            chosen.frequency == Frequency.TIMELY and chosen.is_short_term) else {}
        item = services.item_create(organization=org, entry=chosen, actor=sec,
                                    title=title, body="正文：**党费**收缴情况。", **dates)
        if attachment is not None:
            upload = SimpleUploadedFile("附件.txt", attachment, content_type="text/plain")
            services.attachment_add(item_id=item.pk, actor=sec, upload=upload)
        walk(item, state, sec, reviewer)
        item.refresh_from_db()
        return item

    def walk_public(self, item: DisclosureItem) -> None:
        """Release an internal item beyond the party as if its lead time had passed."""
        DisclosureItem.objects.filter(pk=item.pk).update(
            internal_at=timezone.now() - timedelta(days=30))
        services.item_release_public(item_id=item.pk, actor=self._secretary_of(
            item.organization))

    def _secretary_of(self, org: Organization) -> User:
        from portal.models import Membership

        found = Membership.objects.filter(organization=org, role="secretary").first()
        if found is not None:
            return found.user
        return MembershipFactory(user=UserFactory(username=f"secretary-{org.code}"),
                                 organization=org, role="secretary").user


def walk(item: DisclosureItem, state: str, sec: User, rev: User) -> None:
    if state == State.DRAFT:
        return
    services.item_submit(item_id=item.pk, actor=sec)
    if state == State.SUBMITTED:
        return
    if state == State.RETURNED:
        services.item_return(item_id=item.pk, actor=rev, comment="请补充")
        return
    services.item_approve(item_id=item.pk, actor=rev, confidentiality_checked=True)
    if state == State.APPROVED:
        return
    services.item_publish_internal(item_id=item.pk, actor=sec)
    if state == State.INTERNAL:
        return
    if state in (State.PUBLIC, State.EXPIRED):
        DisclosureItem.objects.filter(pk=item.pk).update(
            internal_at=timezone.now() - timedelta(days=30)
        )
        services.item_release_public(item_id=item.pk, actor=sec)
    if state == State.EXPIRED:
        DisclosureItem.objects.filter(pk=item.pk).update(
            display_until=timezone.localdate() - timedelta(days=1)
        )
        assert services.item_expire(item_id=item.pk) is not None


@pytest.fixture(scope="session", autouse=True)
def _end_leftover_sessions(django_db_setup, django_db_blocker):
    """At the end of the run, end the database sessions that live servers' threads left
    open, so that the test database can be dropped. (Ending them earlier would cut the
    connection of a browser test that runs later.)"""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.YEAR_REPORT_PDF = False  # LibreOffice only where a test asks for it


@pytest.fixture(autouse=True)
def _default_language():
    """Start every test in the portal's default language: a request in English leaves
    English active in the thread after the response."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with empty rate-limit counters (the test client's address is
    always 127.0.0.1)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Run tasks queued by the code under test in this process; the integration tests
    start real workers of their own and send to them explicitly."""
    from portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def world(db) -> World:
    committee = OrganizationFactory(code="C", name="街道党委", level="committee")
    general = OrganizationFactory(code="G", name="机关党总支", level="general_branch",
                                  parent=committee)
    branch = OrganizationFactory(code="B1", name="第一党支部", parent=general)
    other = OrganizationFactory(code="B2", name="第二党支部", parent=general)
    w = World(committee, general, branch, other)
    roles = {
        "secretary": (branch, Role.SECRETARY),
        "committee_member": (branch, Role.COMMITTEE),
        "member": (branch, Role.MEMBER),
        "other_member": (other, Role.MEMBER),
        "other_secretary": (other, Role.SECRETARY),
        "reviewer": (general, Role.REVIEWER),
        "committee_reviewer": (committee, Role.REVIEWER),
        "supervisor": (committee, Role.SUPERVISOR),
        "branch_supervisor": (other, Role.SUPERVISOR),
    }
    for name, (org, role) in roles.items():
        w.users[name] = MembershipFactory(
            user=UserFactory(username=name), organization=org, role=role
        ).user
    w.users["outsider"] = UserFactory(username="outsider")
    catalog = CatalogFactory(issuer=committee)
    w.entries["public"] = CatalogEntryFactory(catalog=catalog, title="组织设置和班子分工")
    w.entries["internal"] = CatalogEntryFactory(
        catalog=catalog, title="民主评议党员结果", public_audience=PublicAudience.NONE
    )
    w.entries["short"] = CatalogEntryFactory(
        catalog=catalog, title="为民办实事公示", duration=Duration.SHORT, display_days=10
    )
    w.entries["timely"] = CatalogEntryFactory(
        catalog=catalog, title="发展党员情况", duration=Duration.SHORT, display_days=5
    )
    w.entries["periodic"] = CatalogEntryFactory(
        catalog=catalog, title="党费收缴", frequency=Frequency.PERIODIC, period="quarter"
    )
    return w
