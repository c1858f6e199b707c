"""The benchmark data set: consistent with what the portal itself would have written."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from archive.services import snapshot_of, verify_chain
from disclosure import search
from disclosure.models import DisclosureItem, Review, State
from disclosure.visibility import public_q, visible_items
from portal.models import Organization, User

pytestmark = pytest.mark.django_db

ARGS = {"orgs": 6, "members": 30, "items": 400, "batch": 150}


def vector(item_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM disclosure_disclosureitem WHERE id = %s",
                       [item_id])
        return cursor.fetchone()[0]


def test_seed_scale_builds_a_consistent_data_set_once(settings, tmp_path):
    call_command("seed_scale", **ARGS)
    ours = DisclosureItem.objects.filter(organization__code__startswith="SC-",
                                         created_by__username__startswith="sc-s")
    assert ours.count() == 400
    assert Organization.objects.filter(code__startswith="SC-").count() == 6
    assert User.objects.filter(username__startswith="sc-m").count() == 30
    assert DisclosureItem.history.filter(id__in=ours.values("pk")).count() == 400

    # The archive chain links and hashes as archiving would have made it.
    problems = [p for p in verify_chain() if not isinstance(p, int)]
    assert problems == []
    # Frozen records have the shape archiving gives them (archive.services.snapshot_of).
    archived = ours.filter(state=State.ARCHIVED).select_related("archive_record").first()
    assert archived is not None
    frozen = archived.archive_record.snapshot
    live = snapshot_of(archived)
    assert set(frozen) == set(live)
    assert {k: frozen[k] for k in ("id", "title", "body", "organization", "entry", "category",
                                   "audience", "duration", "internal_at", "public_at")} == {
        k: live[k] for k in ("id", "title", "body", "organization", "entry", "category",
                             "audience", "duration", "internal_at", "public_at")}
    assert [r["action"] for r in frozen["reviews"]] == [
        r["action"] for r in live["reviews"] if r["action"] != Review.Action.ARCHIVE]
    # Each public item went through review and was released after its intra-party day.
    for item in ours.filter(state=State.PUBLIC)[:20]:
        actions = list(item.reviews.values_list("action", flat=True))
        assert actions[:2] == [Review.Action.SUBMIT, Review.Action.APPROVE]
        assert item.public_at > item.internal_at

    # Search vectors are the ones the portal's own indexing writes.
    sample = list(ours.order_by("pk").values_list("pk", flat=True)[:25])
    seeded = {pk: vector(pk) for pk in sample}
    for pk in sample:
        search.reindex(pk)
    assert {pk: vector(pk) for pk in sample} == seeded

    # A member reads their branch's intra-party items and nobody else's.
    member = User.objects.get(username="sc-m000001")
    branch = member.memberships.get().organization
    seen = visible_items(member).exclude(public_q())  # past public items are everyone's
    assert seen.exists()
    assert set(seen.values_list("organization_id", flat=True)) == {branch.pk}

    # Running again adds nothing; a larger number adds only the difference.
    call_command("seed_scale", **ARGS)
    assert ours.count() == 400
    call_command("seed_scale", **{**ARGS, "items": 450})
    assert ours.count() == 450
    assert [p for p in verify_chain() if not isinstance(p, int)] == []
