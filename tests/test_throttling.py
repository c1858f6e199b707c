"""Throttling: wrong passwords lock a username out from an address for a while (django-axes),
and anonymous visitors' lookups and submissions are limited per address."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
import threading
import uuid

import pytest
import time_machine
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from disclosure.models import State
from feedback import services
from feedback.models import Feedback
from portal import ratelimit
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def log_in(client: Client, username: str, password: str = PASSWORD, url: str = LOGIN):
    return client.post(url, {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, url: str = LOGIN) -> list[int]:
    return [log_in(client, username, "wrong-password", url).status_code for _ in range(times)]


# Login throttling


def test_wrong_passwords_then_the_right_one_is_refused_with_the_lockout_page(world, settings):
    client = Client()
    codes = fail(client, "member", settings.AXES_FAILURE_LIMIT)
    assert codes[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)  # the form, with its error
    assert codes[-1] == 429
    response = log_in(client, "member")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    page = response.content.decode()
    assert "登录失败次数过多" in page and "15 分钟后再试" in page
    assert not signed_in(client)
    assert client.get("/mine/").status_code == 302  # still sent to the login page


def test_lockout_holds_only_the_username_from_that_address(world, settings):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    fail(attacker, "member", settings.AXES_FAILURE_LIMIT)
    assert log_in(attacker, "member").status_code == 429
    colleague = Client(REMOTE_ADDR="203.0.113.9")  # same office, another account
    assert log_in(colleague, "secretary").status_code == 302 and signed_in(colleague)
    at_home = Client(REMOTE_ADDR="198.51.100.7")  # the member, elsewhere
    assert log_in(at_home, "member").status_code == 302 and signed_in(at_home)


def test_forged_forwarded_header_does_not_escape_the_lockout(world, settings):
    client = Client()
    fail(client, "member", settings.AXES_FAILURE_LIMIT)
    forged = Client(HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert log_in(forged, "member").status_code == 429


def test_login_works_again_after_the_cool_off(world, settings):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, "member", settings.AXES_FAILURE_LIMIT)
    almost = start + settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=30)
    with time_machine.travel(almost, tick=False):
        assert log_in(client, "member").status_code == 429
    # The wait counts from the last attempt, the refused one included.
    with time_machine.travel(almost + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1)):
        assert log_in(client, "member").status_code == 302
        assert signed_in(client)


def test_successful_login_resets_the_count(world, settings):
    client = Client()
    almost = settings.AXES_FAILURE_LIMIT - 1
    assert fail(client, "member", almost) == [200] * almost
    assert log_in(client, "member").status_code == 302
    client.post("/accounts/logout/")
    assert fail(client, "member", almost) == [200] * almost
    assert log_in(client, "member").status_code == 302 and signed_in(client)


def test_admin_login_is_throttled_too(world, settings):
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    client = Client()
    codes = fail(client, "admin", settings.AXES_FAILURE_LIMIT, url="/admin/login/")
    assert codes[-1] == 429
    response = log_in(client, "admin", url="/admin/login/")
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_lockout_page_follows_the_chosen_language(world, settings):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    fail(client, "member", settings.AXES_FAILURE_LIMIT)
    page = log_in(client, "member").content.decode()
    assert "Too many failed login attempts" in page and "in 15 minutes" in page


# The client's address


def address(proxies: list[str], remote: str = "10.0.0.5", forwarded: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(TRUSTED_PROXIES=proxies):
        return ratelimit.client_ip(RequestFactory().get("/", **extra))


def test_client_address_comes_from_the_connection_unless_it_is_a_trusted_proxy():
    assert address([], forwarded="192.0.2.1") == "10.0.0.5"
    # The proxy appends the address it saw; what the client sent stays to the left.
    assert address(["10.0.0.5"], forwarded="192.0.2.1, 198.51.100.2") == "198.51.100.2"
    assert address(["10.0.0.0/24"], forwarded="192.0.2.1, 198.51.100.2, 10.0.0.9") == (
        "198.51.100.2")
    assert address(["10.0.0.5"]) == "10.0.0.5"  # the proxy did not say: its own address
    assert address(["10.0.0.5"], forwarded="not-an-address") == "10.0.0.5"
    # Not from the proxy: the header is the client's own word.
    assert address(["10.0.0.9"], forwarded="192.0.2.1") == "10.0.0.5"


# Anonymous lookups and submissions


def track(client: Client, code: str):
    return client.get("/feedback/track/", {"code": code})


def test_guessing_tracking_codes_runs_into_the_limit(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "feedback.track": (3, 3600)}
    real = services.feedback_submit(organization=world.branch, item=None, author=None,
                                    body="请公开党费使用情况", address="10.1.1.1")
    guesser = Client()
    assert [track(guesser, f"NOPE{i}").status_code for i in range(3)] == [200] * 3
    refused = track(guesser, real.tracking_code)  # even a right guess, once over the limit
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 3600
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert track(other, real.tracking_code).context["feedback"] == real


def test_people_checking_their_own_code_are_not_limited(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "feedback.track": (3, 3600)}
    real = services.feedback_submit(organization=world.branch, item=None, author=None,
                                    body="请公开党费使用情况", address="10.1.1.1")
    client = Client()
    for _ in range(10):
        assert track(client, real.tracking_code).context["feedback"] == real
    assert [track(client, f"NOPE{i}").status_code for i in range(4)] == [200] * 3 + [429]


def test_tracking_lookups_are_allowed_again_in_the_next_window(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "feedback.track": (2, 600)}
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert [track(client, f"NOPE{i}").status_code for i in range(3)] == [200, 200, 429]
    with time_machine.travel(start + dt.timedelta(seconds=601), tick=False):
        assert track(client, "NOPE9").status_code == 200


def submit_page(client: Client, world, body: str = "希望公开更详细的数据"):
    return client.post(f"/feedback/new/?org={world.branch.code}", {"body": body})


def test_anonymous_submissions_beyond_the_limit_are_refused_and_not_saved(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "feedback.new": (2, 3600)}
    client = Client()
    assert [submit_page(client, world).status_code for _ in range(2)] == [302, 302]
    refused = submit_page(client, world, body="第三条意见不应保存")
    # The form comes back filled in, naming the limit and when to try again.
    page = refused.content.decode()
    assert refused.status_code == 429 and "第三条意见不应保存" in page
    assert "同一地址" in page and "2" in page and refused["Retry-After"]
    assert Feedback.objects.count() == 2
    assert not Feedback.objects.filter(body="第三条意见不应保存").exists()
    assert submit_page(Client(REMOTE_ADDR="198.51.100.7"), world).status_code == 302
    member = Client()
    member.force_login(world.users["member"])  # signed-in people are not limited
    assert submit_page(member, world).status_code == 302


def test_the_hourly_count_in_the_database_also_answers_429(world, settings):
    """The service's own count (which survives a cache restart) refuses with the same page."""
    settings.FEEDBACK_RATE_LIMIT_PER_HOUR = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "feedback.new": (100, 3600)}
    client = Client()
    assert submit_page(client, world).status_code == 302
    assert submit_page(client, world).status_code == 429
    assert Feedback.objects.count() == 1


def test_forms_keep_working_when_the_cache_is_down(world):
    down = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": "redis://127.0.0.1:1/0",
                        "OPTIONS": {"socket_connect_timeout": 0.2}}}
    item = world.item(State.PUBLIC)
    with override_settings(CACHES=down):
        assert track(Client(), "NOPE").status_code == 200
        response = Client().post(f"/feedback/new/?item={item.pk}", {"body": "缓存不可用时提交"})
        assert response.status_code == 302
    assert Feedback.objects.filter(body="缓存不可用时提交").exists()


REDIS = os.environ.get("CELERY_BROKER_URL", "")


@pytest.mark.skipif(not REDIS.startswith("redis://"), reason="needs the test Redis")
def test_concurrent_attempts_on_the_shared_redis_cache_cannot_pass_the_limit(settings):
    """Twenty processes' worth of simultaneous attempts, counted in Redis: exactly the limit
    gets through."""
    shared = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    settings.RATE_LIMITS = {"feedback.track": (5, 60)}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.77")
    results: list[bool] = []
    with override_settings(CACHES=shared):
        barrier = threading.Barrier(20)

        def attempt() -> None:
            barrier.wait()
            results.append(ratelimit.hit(request, "feedback.track").allowed)

        threads = [threading.Thread(target=attempt) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results.count(True) == 5 and len(results) == 20


def test_deployment_check_asks_for_a_shared_cache():
    env = {key: value for key, value in os.environ.items() if key != "CACHE_URL"}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="example.org")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, env=env, check=False,
        cwd=os.path.dirname(os.path.dirname(__file__)))
    assert result.returncode != 0 and "portal.W001" in result.stderr + result.stdout
    env["CACHE_URL"] = "redis://cache.example.org:6379/1"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, env=env, check=False,
        cwd=os.path.dirname(os.path.dirname(__file__)))
    assert "portal.W001" not in result.stderr + result.stdout
