"""Celery on a real Redis broker with real worker processes: beat-driven generation and
reminders end to end, a worker killed with SIGKILL in the middle of 1,000 reminders, and
Redis stopped while a secretary publishes."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest
from django.db import connections
from django.utils import timezone

from disclosure.models import DisclosureItem, Obligation, State
from portal.calendar import period_containing
from portal.models import Notification, Reminder
from tests import celery_support as cs
from tests.factories import PASSWORD, CatalogEntryFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]
MACHINE_REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def count(model, **filters) -> int:
    connections.close_all()  # see what the workers committed
    return model.objects.filter(**filters).count()


@pytest.fixture
def isolated_broker():
    """A Redis database of the machine's server that no other test or process uses."""
    import redis

    url = MACHINE_REDIS.rsplit("/", 1)[0] + "/13"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


def test_beat_generates_obligations_and_sends_reminders(world, tmp_path, isolated_broker):
    entry = world.entries["periodic"]
    entry.period, entry.due_days = "month", 1
    entry.save()
    env = cs.service_env(isolated_broker, tmp_path, BEAT_INTERVAL_SECONDS="2",
                         REMINDER_DAYS_BEFORE="45")
    log = tmp_path / "worker.log"
    worker = cs.start_worker(env, log, beat=True)
    month = period_containing("month", timezone.localdate())
    try:
        cs.wait_for(lambda: count(Obligation, entry=entry, period_start=month.start) == 3,
                    90, "obligations", [log])
        # On a month's first working day last month's obligations are still due (one
        # working day after its end), so they open too: three organizations, one or two
        # months each.
        opened = count(Obligation, entry=entry)
        assert opened in (3, 6), opened
        cs.wait_for(lambda: count(Reminder, stage="due_soon") == opened, 60, "reminders",
                    [log])
        cs.wait_for(lambda: count(Notification, emailed_at__isnull=True) == 0
                    and count(Notification) > 0, 60, "e-mails", [log])
    finally:
        cs.stop(worker)
    assert count(Obligation, entry=entry) == opened
    assert count(DisclosureItem, state=State.DRAFT, entry=entry) == opened
    mails = "".join(p.read_text() for p in (tmp_path / "mail").iterdir())
    assert "To: secretary@example.org" in mails
    # beat ran the reminders many times, each stage of each obligation sent once
    assert count(Reminder) == opened


def make_obligations(world, n: int) -> None:
    entry = CatalogEntryFactory(catalog=world.entries["public"].catalog, duration="short",
                                display_days=5)
    due = timezone.localdate() + dt.timedelta(days=1)
    Obligation.objects.bulk_create([
        Obligation(entry=entry, organization=world.branch, due_date=due,
                   period_start=dt.date(2020, 1, 1) + dt.timedelta(days=i),
                   period_end=dt.date(2020, 1, 1) + dt.timedelta(days=i))
        for i in range(n)
    ])


# The test process itself stays eager; send_task goes to the real broker all the same.
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_worker_killed_during_1000_reminders_loses_and_duplicates_nothing(
        world, tmp_path, isolated_broker):
    from portal.celery import app

    make_obligations(world, 1000)
    env = cs.service_env(isolated_broker, tmp_path)
    log = tmp_path / "worker.log"
    worker = cs.start_worker(env, log)
    try:
        with app.connection_for_write(isolated_broker) as conn:
            app.send_task("portal.tasks.send_reminders", connection=conn)
        cs.wait_for(lambda: count(Reminder) >= 150, 120, "the run to get going", [log])
        cs.kill(worker)  # SIGKILL to the worker and its pool child
        halfway = count(Reminder)
        assert 150 <= halfway < 1000, halfway
        # Back with beat, as in production: the killed run is redelivered, and the outbox
        # sweep mails what the killed run had committed but not yet queued.
        env = {**env, "BEAT_INTERVAL_SECONDS": "3"}
        worker = cs.start_worker(env, log, beat=True)
        cs.wait_for(lambda: count(Reminder) == 1000, 240, "the redelivered run", [log])
        cs.wait_for(lambda: count(Notification, emailed_at__isnull=True) == 0, 120,
                    "e-mails", [log])
    finally:
        cs.stop(worker)
    assert count(Reminder, stage="due_soon") == 1000
    recipients = 2  # the branch's secretary and committee member
    assert count(Notification) == 1000 * recipients
    keys = list(Notification.objects.values_list("recipient_id", "reminder_key"))
    assert len(set(keys)) == len(keys)


class Browser:
    """A person's HTTP session against the real web server (cookies and CSRF)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str):
        return self.opener.open(self.base + path, timeout=30)

    def post(self, path: str, data: dict):
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(self.base + path, data=body,
                                         headers={"Referer": self.base + path})
        return self.opener.open(request, timeout=30)

    def login(self, username: str) -> None:
        self.get("/accounts/login/")
        self.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_publishing_while_redis_is_down_saves_and_notifies_later(world, tmp_path):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    items = [world.item(State.APPROVED, title=f"待公开事项{i}") for i in range(3)]
    secretary_user = world.users["secretary"]  # the web server knows the default hashers
    secretary_user.password = PBKDF2PasswordHasher().encode(PASSWORD, "integrationsalt")
    secretary_user.save()
    port, web_port = cs.free_port(), cs.free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    env = cs.service_env(broker, tmp_path, BEAT_INTERVAL_SECONDS="2", DEBUG="0",
                         SECRET_KEY="test-secret", SECURE_SSL_REDIRECT="0",
                         SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0")
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=cs.ROOT, env=env, check=True)
    with cs.private_redis(port, tmp_path) as (redis_up, redis_down):
        web = cs.start([str(cs.BIN / "gunicorn"), "portal.wsgi:application", "--bind",
                        f"127.0.0.1:{web_port}", "--workers", "2", "--timeout", "60"],
                       env, web_log)
        worker = cs.start_worker(env, worker_log, beat=True)
        try:
            cs.wait_for(lambda: cs.port_open(web_port), 30, "the web server", [web_log])
            redis_down()
            secretary = Browser(f"http://127.0.0.1:{web_port}")
            secretary.login("secretary")
            for item in items:
                response = secretary.post(f"/items/{item.pk}/publish-internal/", {})
                assert response.status == 200
                assert response.url == f"{secretary.base}/items/{item.pk}/"
            assert count(DisclosureItem, state=State.INTERNAL) == 3
            waiting = count(Notification, kind="item.internal", emailed_at__isnull=True)
            assert waiting == 6  # the member and the committee member, once per item
            redis_up()
            cs.wait_for(lambda: count(Notification, kind="item.internal",
                                      emailed_at__isnull=True) == 0,
                        120, "the outbox to drain", [worker_log])
        finally:
            cs.stop(worker)
            cs.stop(web)
    assert " 500 " not in web_log.read_text()
    assert not re.search(r"Internal Server Error", web_log.read_text())
    mails = "".join(p.read_text() for p in (tmp_path / "mail").iterdir())
    assert mails.count("To: member@example.org") == 3
