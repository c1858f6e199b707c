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


# The demo (PORTAL_DEMO, DEBUG off) never runs with a key written in the source: a portal
# started with it by mistake behind a proxy that sends Host 127.0.0.1 would sign with a key
# everyone knows (and the feedback address hashes would be reversible).

def _settings_key(tmp_path) -> str:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    env.update(PORTAL_DEMO="1", PORTAL_VAR_DIR=str(tmp_path),
               DJANGO_SETTINGS_MODULE="portal.settings")
    result = subprocess.run(
        [sys.executable, "-c", "from portal import settings; print(settings.SECRET_KEY)"],
        cwd=root, env=env, check=True, capture_output=True, text=True)
    return result.stdout.strip().splitlines()[-1]


def test_the_demo_signs_with_a_key_of_its_own_kept_between_runs(tmp_path):
    key = _settings_key(tmp_path)
    assert "insecure" not in key and len(key) >= 50
    assert _settings_key(tmp_path) == key  # the demo's processes and restarts share it
    assert _settings_key(tmp_path / "elsewhere") != key
