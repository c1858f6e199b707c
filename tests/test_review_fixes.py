"""Defects found in review of the "forgiving interface" change, each pinned by a test that
drives the portal over HTTP as the role concerned."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from disclosure.models import DisclosureRequest
from portal import idempotency

pytestmark = pytest.mark.django_db


def as_user(world, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def token(page) -> str:
    found = re.search(rf'name="{idempotency.FIELD}" value="([0-9a-f]{{32}})"',
                      page.content.decode())
    assert found, "the form carries no token"
    return found.group(1)


# A form token is one person's: another's post with it is neither swallowed nor sent to
# the first person's record (a shared computer restores the token a page was sent with).

def test_a_form_token_sent_by_another_person_does_not_lead_to_the_first_persons_record(
        world):
    url = f"/requests/new/?org={world.branch.code}"
    first = as_user(world, "member")
    sent = {"subject": "请公开党费使用明细", idempotency.FIELD: token(first.get(url))}
    made = first.post(url, sent)
    assert made.status_code == 302
    mine = DisclosureRequest.objects.get(applicant=world.users["member"])
    assert made["Location"] == f"/requests/{mine.pk}/"

    second = as_user(world, "other_member")
    url_b = f"/requests/new/?org={world.other_branch.code}"
    answer = second.post(url_b, {"subject": "请公开组织生活会情况",
                                 idempotency.FIELD: sent[idempotency.FIELD]})
    assert answer.status_code == 302
    assert answer["Location"] != made["Location"]
    assert DisclosureRequest.objects.filter(applicant=world.users["other_member"],
                                            subject="请公开组织生活会情况").count() == 1
