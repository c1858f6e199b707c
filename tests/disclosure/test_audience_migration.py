"""Existing data migrates: every item keeps the readers it had when "scope" and
"time_limit" become the audiences and the two time dimensions.

The items are written with the old schema, who reads each is worked out by the old rules,
the migrations run forward, and the new visibility module is asked. The intended
differences: an item that had reached the public and then expired or was archived stays
readable there as a past disclosure (archiving no longer takes disclosures down), and a
withdrawn item shows its readers the notice of the withdrawal, no longer its content."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from disclosure.models import DisclosureItem
from disclosure.visibility import visible_items, withdrawal_notices
from portal.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

BEFORE = [("catalog", "0005_catalog_state"), ("disclosure", "0011_item_state")]
OLD_PUBLISHED = ("internal", "public", "expired", "withdrawn", "archived")


def _latest(executor: MigrationExecutor) -> list[tuple[str, str]]:
    executor.loader.build_graph()
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_every_item_keeps_its_readers_across_the_migration():
    top = OrganizationFactory(code="T", level="committee")
    branch = OrganizationFactory(code="T1", parent=top)
    other = OrganizationFactory(code="T2", parent=top)
    people = {
        "member": MembershipFactory(organization=branch, role=Role.MEMBER).user,
        "other_member": MembershipFactory(organization=other, role=Role.MEMBER).user,
        "top_member": MembershipFactory(organization=top, role=Role.MEMBER).user,
        "outsider": UserFactory(),
    }
    author = UserFactory()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        Catalog, Entry = old.get_model("catalog", "Catalog"), old.get_model("catalog",
                                                                            "CatalogEntry")
        Item = old.get_model("disclosure", "DisclosureItem")
        catalog = Catalog.objects.create(name="目录", issuer_id=top.pk,
                                         effective_from=dt.date(2026, 1, 1), state="active")
        entries = {}
        for n, (scope, limit) in enumerate([
                ("party_only", "long_term"), ("party_then_public", "long_term"),
                ("party_then_public", "short_term"), ("party_then_public", "periodic"),
                ("party_then_public", "timely"), ("party_only", "short_term")]):
            entries[(scope, limit)] = Entry.objects.create(
                catalog=catalog, code=f"E{n}", category="organization", title=f"事项{n}",
                scope=scope, time_limit=limit, period="quarter" if limit == "periodic" else "",
                display_days=10 if limit == "short_term" else None)
        now = timezone.now()
        old_readers: dict[int, set[str]] = {}
        for (scope, limit), entry in entries.items():
            for state in ("draft", "internal", "public", "expired", "withdrawn", "archived"):
                if state == "public" and scope == "party_only":
                    continue
                went_public = scope == "party_then_public" and state != "internal"
                item = Item.objects.create(
                    organization_id=branch.pk, entry=entry, title=f"{scope}-{limit}-{state}",
                    body="正文", category="organization", scope=scope, time_limit=limit,
                    state=state, created_by_id=author.pk,
                    internal_at=now if state != "draft" else None,
                    public_at=now if went_public and state != "draft" else None)
                readers = set()
                if state == "public":
                    readers = {"anonymous", *people}
                elif state in OLD_PUBLISHED:
                    readers = {"member"}
                old_readers[item.pk] = readers
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(_latest(executor))

    everyone = [("anonymous", AnonymousUser()), *people.items()]
    for item in DisclosureItem.objects.all():
        expected = set(old_readers[item.pk])
        if item.public_at is not None and item.state in ("expired", "archived"):
            expected |= {"anonymous", *people}  # a past public disclosure stays public
        if item.state == "withdrawn":
            # 撤销 takes the content down for its readers too; they read the notice.
            assert item.is_withdrawn
            noticed = {name for name, user in everyone
                       if withdrawal_notices(user).filter(pk=item.pk).exists()}
            assert noticed == expected | ({"anonymous", *people} if item.public_at else set())
            expected = set()
        found = {name for name, user in everyone
                 if visible_items(user).filter(pk=item.pk).exists()}
        assert found == expected, (item.title, found, expected)
        old_scope, old_limit = item.title.split("-")[0], item.title.split("-")[1]
        assert item.public_audience == ("none" if old_scope == "party_only" else "society")
        assert item.party_audience == "organization"
        assert (item.duration, item.frequency) == {
            "long_term": ("long", "timely"), "short_term": ("short", "timely"),
            "periodic": ("long", "periodic"), "timely": ("long", "timely")}[old_limit]
        if item.duration == "short":
            assert item.display_days == 10
