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
    for real, url_of in ((seat.pk, "/supervision-groups/seats/{}/end/"),
                         (finding.pk, "/inspections/findings/{}/order/")):
        hidden_status, hidden = _queries(client, url_of.format(real), "post")
        missing_status, missing = _queries(client, url_of.format(MISSING), "post")
        assert hidden_status == missing_status == 404
        assert hidden == missing, url_of
