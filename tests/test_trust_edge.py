"""The deployment edge and the session: whose address and scheme a request has behind the
proxy, login limits beyond one account, caching of private responses, the image's contents,
password change and reset, idle sessions, state changes only by POST, the CSRF page, and
e-mails that keep intra-party matters out of outside mailboxes."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
import yaml
from django.core import mail
from django.test import Client, RequestFactory
from django.utils import timezone

from disclosure.models import State
from portal import notifications, ratelimit
from portal.models import Notification
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/accounts/login/"
PROXY = "172.31.250.10"  # docker-compose.yml's proxy service
ATTACKER = "203.0.113.9"


def production(*names: str) -> dict:
    """The settings as portal/settings.py derives them with DEBUG off (a subprocess)."""
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(60),
           "ALLOWED_HOSTS": "dangwu.example.org", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    code = ("import json, django; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)}}}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=ROOT, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def log_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def behind_proxy(settings):
    """As the README told operators to configure it: one proxy in front, whose address is
    the only one trusted."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = [PROXY]
    return settings


# Forwarded headers are believed only from the proxy


def test_forged_forwarded_for_sent_straight_to_gunicorn_does_not_escape_the_lockout(
        world, behind_proxy):
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(behind_proxy.AXES_FAILURE_LIMIT + 2):
        log_in(client, "member", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")
    response = log_in(client, "member", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429 and not signed_in(client)


def test_the_proxy_forwarded_address_is_the_client(world, behind_proxy):
    # Through the proxy, each visitor is the address the proxy saw, whatever they wrote.
    attacker = Client(REMOTE_ADDR=PROXY)
    for n in range(behind_proxy.AXES_FAILURE_LIMIT):
        log_in(attacker, "member", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
    assert log_in(attacker, "member", HTTP_X_FORWARDED_FOR=f"10.9.9.9, {ATTACKER}"
                  ).status_code == 429
    member = Client(REMOTE_ADDR=PROXY)
    assert log_in(member, "member", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302


def address(remote: str, forwarded: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return ratelimit.client_ip(RequestFactory().get("/", **extra))


def test_client_address_rules(behind_proxy):
    assert address(ATTACKER, "192.0.2.1") == ATTACKER
    assert address(PROXY, "192.0.2.1, 198.51.100.2") == "198.51.100.2"
    assert address(PROXY) == PROXY
    assert address(PROXY, "not-an-address") == PROXY
    behind_proxy.TRUSTED_PROXIES = ["172.31.250.0/24", "10.0.0.1"]
    # Two proxies of ours in a row: the first address neither of them is.
    assert address("10.0.0.1", "192.0.2.1, 198.51.100.2, 172.31.250.10") == "198.51.100.2"


def test_forged_forwarded_for_does_not_escape_the_anonymous_limits(world, behind_proxy):
    behind_proxy.RATE_LIMITS = {**behind_proxy.RATE_LIMITS, "feedback.track": (3, 3600)}
    client = Client(REMOTE_ADDR=ATTACKER)
    codes = [client.get("/feedback/track/", {"code": f"NOPE{n}"},
                        HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(5)]
    assert codes[-1] == 429


def test_forged_forwarded_proto_is_not_believed(world, settings):
    values = production("SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT")
    assert values["SECURE_SSL_REDIRECT"] is True
    header = values["SECURE_PROXY_SSL_HEADER"]
    settings.SECURE_PROXY_SSL_HEADER = tuple(header) if header else None
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = [PROXY]
    direct = Client(REMOTE_ADDR=ATTACKER).get("/", HTTP_X_FORWARDED_PROTO="https")
    assert direct.status_code == 301 and direct.url.startswith("https://")
    proxied = Client(REMOTE_ADDR=PROXY).get("/", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    plain = Client(REMOTE_ADDR=PROXY).get("/", HTTP_X_FORWARDED_PROTO="http")
    assert plain.status_code == 301


def test_the_old_proxy_count_is_reported_by_the_checks(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert "portal.W002" in [m.id for m in ratelimit.check_trusted_proxies()]
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXIES = ["proxy.example.org"]
    assert "portal.E002" in [m.id for m in ratelimit.check_trusted_proxies()]


# Login limits beyond one username


def test_password_spraying_from_one_address_is_throttled(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login.address": (12, 900)}
    sprayer = Client(REMOTE_ADDR=ATTACKER)
    for n in range(6):  # a few guesses for each of many usernames, under axes's limit
        for _guess in range(2):
            assert log_in(sprayer, f"user{n}", "Password1").status_code == 200
    UserFactory(username="victim")
    response = log_in(sprayer, "victim")  # the right password, from that address
    assert response.status_code == 429 and not signed_in(sprayer)
    assert "您所在地址登录失败次数过多" in response.content.decode()
    assert int(response["Retry-After"]) <= 900
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert log_in(elsewhere, "victim").status_code == 302


def test_the_global_ceiling_stops_spraying_from_many_addresses(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login.global": (8, 900)}
    for n in range(8):
        log_in(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), f"user{n}", "Password1")
    client = Client(REMOTE_ADDR="198.51.100.7")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = log_in(client, "member")
    assert response.status_code == 429 and not signed_in(client)
    assert "too many failed login attempts" in response.content.decode()


def test_login_limits_can_be_switched_off(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login.address": (0, 900)}
    sprayer = Client(REMOTE_ADDR=ATTACKER)
    for n in range(25):
        log_in(sprayer, f"user{n}", "Password1")
    assert log_in(sprayer, "member").status_code == 302


# Cache-Control


def private(response) -> bool:
    value = response.get("Cache-Control", "")
    return "private" in value and "no-store" in value


def test_signed_in_pages_and_downloads_are_not_cached(world):
    item = world.item(State.PUBLIC, attachment=b"public file")
    client = Client()
    client.force_login(world.users["secretary"])
    assert private(client.get("/"))
    assert private(client.get("/notifications/"))
    export = client.get("/archive/export.csv")
    assert export.status_code == 200 and private(export)
    anonymous = Client()
    download = anonymous.get(f"/attachments/{item.attachments.get().pk}/")
    assert download.status_code == 200 and private(download)
    assert private(anonymous.get("/items/export.csv"))
    assert not private(anonymous.get("/"))  # public pages may be cached


# The image and the compose file


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves ``path`` out of the build context (the last matching pattern
    wins; a pattern that matches a folder leaves out what is in it)."""
    excluded = False
    parts = path.split("/")
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            if fnmatch.fnmatch(prefix, pattern) or (
                    pattern.startswith("**/") and fnmatch.fnmatch(parts[depth - 1],
                                                                  pattern[3:])):
                excluded = not negate
                break
    return excluded


def test_the_image_leaves_local_state_and_secrets_out():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for path in ("var/portal.sqlite3", "var/media/attachments/x.pdf", ".venv/bin/python",
                 ".git/HEAD", ".env", "portal/__pycache__/views.cpython-311.pyc"):
        assert dockerignored(path, patterns), path
    copied = re.findall(r"^COPY\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert copied
    for path in ("pyproject.toml", "manage.py", "portal/settings.py", "templates/base.html",
                 "static/css/portal.css", "locale/zh_Hans/LC_MESSAGES/django.mo",
                 *[c for c in copied if c != "."]):
        assert not dockerignored(path, patterns), path


def test_compose_keeps_gunicorn_behind_the_proxy():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "ports" not in services["web"]
    published = [s for s, spec in services.items() if spec.get("ports")]
    assert published == ["proxy"]
    proxy_address = services["proxy"]["networks"]["front"]["ipv4_address"]
    trusted = services["web"]["environment"]["TRUSTED_PROXIES"]
    assert proxy_address in trusted
    volume = services["proxy"]["volumes"][0]
    assert volume.startswith("./deploy/nginx.conf:")
    conf = (ROOT / "deploy/nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf


def test_compose_gives_the_cache_a_redis_that_may_forget_and_the_broker_one_that_may_not():
    """Queued tasks are never evicted; the cache is bounded and forgets its least used
    values (what it holds can be computed again), in an instance of its own."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    environment = services["web"]["environment"]
    broker = environment["CELERY_BROKER_URL"].split("//")[1].split(":")[0]
    cache = environment["CACHE_URL"].split("//")[1].split(":")[0]
    assert broker != cache
    assert services["worker"]["environment"] == environment
    broker_command = services[broker]["command"]
    assert broker_command[broker_command.index("--maxmemory-policy") + 1] == "noeviction"
    cache_command = services[cache]["command"]
    assert cache_command[cache_command.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert "--maxmemory" in cache_command


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not here")
def test_compose_file_is_valid():
    result = subprocess.run(["docker-compose", "-f", "docker-compose.yml", "config", "--quiet"],
                            cwd=ROOT, env={**os.environ, "SECRET_KEY": "x"},
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# Password change and reset


def test_everybody_signed_in_can_change_their_password(world):
    user = world.users["member"]
    client = Client()
    client.force_login(user)
    page = client.get("/")
    assert 'href="/accounts/password/change/"' in page.content.decode()
    form = client.get("/accounts/password/change/")
    assert form.status_code == 200 and "修改密码" in form.content.decode()
    response = client.post("/accounts/password/change/", {
        "old_password": PASSWORD, "new_password1": "Hong-Qi-2027!", "new_password2":
            "Hong-Qi-2027!"})
    assert response.status_code == 302 and response.url == "/accounts/password/change/done/"
    user.refresh_from_db()
    assert user.check_password("Hong-Qi-2027!")
    assert client.get("/notifications/").status_code == 200  # still signed in
    wrong = client.post("/accounts/password/change/", {
        "old_password": "nope", "new_password1": "Xx-2027-abc!", "new_password2":
            "Xx-2027-abc!"})
    assert wrong.status_code == 200


def reset(client: Client, email: str, **extra):
    return client.post("/accounts/password/reset/", {"email": email}, **extra)


def test_password_reset_by_email_uses_the_site_url(world, settings):
    settings.PORTAL_BASE_URL = "https://dangwu.example.org"
    settings.ALLOWED_HOSTS = ["*"]
    login_page = Client().get(LOGIN).content.decode()
    assert 'href="/accounts/password/reset/"' in login_page
    client = Client()
    response = reset(client, "member@example.org", HTTP_HOST="evil.example.com")
    assert response.status_code == 302 and response.url == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "evil.example.com" not in body
    link = re.search(r"https://dangwu\.example\.org(/accounts/password/reset/\S+/)", body)
    assert link, body
    confirm = client.get(link.group(1), follow=True)
    assert confirm.status_code == 200 and confirm.context["validlink"]
    done = client.post(confirm.redirect_chain[-1][0], {
        "new_password1": "Hong-Qi-2027!", "new_password2": "Hong-Qi-2027!"})
    assert done.status_code == 302 and done.url == "/accounts/password/reset/complete/"
    assert log_in(Client(), "member", "Hong-Qi-2027!").status_code == 302


def test_password_reset_says_the_same_for_unknown_addresses(world):
    known = reset(Client(), "member@example.org")
    unknown = reset(Client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert [m.to for m in mail.outbox] == [["member@example.org"]]


def test_password_reset_is_limited_per_address_and_per_email(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "accounts.password_reset": (3, 3600),
                            "accounts.password_reset_email": (2, 3600)}
    client = Client(REMOTE_ADDR=ATTACKER)
    codes = [reset(client, f"x{n}@example.org").status_code for n in range(4)]
    assert codes == [302, 302, 302, 429]
    for n in range(4):  # the same mailbox from many addresses
        response = reset(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), "member@example.org")
        assert response.status_code == 302 and response.url.endswith("/reset/sent/")
    assert len(mail.outbox) == 2


def test_the_reset_message_is_sent_by_the_worker_not_the_request(world, monkeypatch):
    """Sending took the mail server's time only for known addresses: the request now only
    queues the rendered message, so both answers take alike."""
    from portal import tasks

    queued: list[tuple] = []
    monkeypatch.setattr(tasks.send_reset_email, "delay", lambda *args: queued.append(args))
    assert reset(Client(), "member@example.org").status_code == 302
    assert reset(Client(), "nobody@example.org").status_code == 302
    assert mail.outbox == [] and [q[3] for q in queued] == ["member@example.org"]
    assert "/accounts/password/reset/" in queued[0][1]


# Idle sessions


def test_idle_session_ends_and_asks_for_a_new_login(world, settings):
    settings.SESSION_IDLE_MINUTES = 60
    client = Client()
    client.force_login(world.users["member"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get("/notifications/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=50), tick=False):
        assert client.get("/notifications/").status_code == 200  # active: goes on
    with time_machine.travel(start + dt.timedelta(minutes=100), tick=False):
        assert client.get("/notifications/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=161), tick=False):
        response = client.get("/notifications/")
        assert response.status_code == 302
        assert response.url == "/accounts/login/?next=%2Fnotifications%2F"
        assert not signed_in(client)
        page = client.get(response.url).content.decode()
        assert "分钟无操作" in page


# State changes only by POST


def test_opening_a_notification_by_get_changes_nothing(world):
    world.item(State.SUBMITTED)
    client = Client()
    client.force_login(world.users["reviewer"])
    note = Notification.objects.get(recipient=world.users["reviewer"])
    page = client.get(f"/notifications/{note.pk}/")
    assert page.status_code == 200
    note.refresh_from_db()
    assert note.read_at is None
    listing = client.get("/notifications/").content.decode()
    assert f'method="post" action="/notifications/{note.pk}/"' in listing
    opened = client.post(f"/notifications/{note.pk}/")
    assert opened.status_code == 302 and opened.url.startswith("/items/")
    note.refresh_from_db()
    assert note.read_at is not None


# The CSRF failure page


def test_csrf_failure_page_is_the_portals(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "member", "password": PASSWORD})
    assert response.status_code == 403
    page = response.content.decode()
    assert "<style" not in page and "css/portal.css" in page
    assert "表单已过期" in page


# E-mails


def test_emails_carry_no_titles_and_link_to_the_notification(world, settings):
    settings.PORTAL_BASE_URL = "https://dangwu.example.org/"
    marker = "QX7内部专项经费"
    world.item(State.SUBMITTED, title=marker)
    note = Notification.objects.get(recipient=world.users["reviewer"])
    notifications.send_pending_emails(older_than_seconds=0)
    mine = [m for m in mail.outbox if m.to == [world.users["reviewer"].email]]
    assert len(mine) == 1
    message = mine[0]
    assert marker not in message.subject + message.body
    assert world.branch.name not in message.subject + message.body
    assert f"https://dangwu.example.org/notifications/{note.pk}/" in message.body
    # The notification itself, behind the login, keeps its text.
    assert marker in notifications.render(note).body + notifications.render(note).subject
    client = Client()
    client.force_login(world.users["reviewer"])
    assert marker in client.get("/notifications/").content.decode()


# Spreadsheets: every export neutralises each formula start (already true before this file:
# portal/spreadsheets.py is the one writer; these pin it for every prefix).


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_every_export_neutralises_each_formula_start(world, prefix):
    import csv
    import io

    from openpyxl import load_workbook

    from archive import services as archive_services
    from portal.models import Organization

    title, name = f"{prefix}HYPERLINK(1)", f"{prefix}1+1"
    Organization.objects.filter(pk=world.branch.pk).update(name=name)
    world.branch.refresh_from_db()
    world.item(State.PUBLIC, title=title)
    archived = world.item(State.INTERNAL, title=title)
    archive_services.archive_item(item_id=archived.pk, actor=world.users["secretary"])

    def cells(client: Client, url: str) -> list:
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith("xlsx"):
            sheet = load_workbook(io.BytesIO(response.content)).active
            found = [c for row in sheet.iter_rows() for c in row]
            assert not [c for c in found if c.data_type == "f"], url
            return [c.value for c in found]
        text = response.content.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]

    secretary, supervisor = Client(), Client()
    secretary.force_login(world.users["secretary"])
    supervisor.force_login(world.users["supervisor"])
    for client, url, texts in [
        (Client(), "/items/export.csv", (title, name)),
        (Client(), "/items/export.xlsx", (title, name)),
        (secretary, "/archive/export.csv", (title, name)),
        (secretary, "/archive/export.xlsx", (title, name)),
        (supervisor, "/supervision/?format=csv", (name,)),
    ]:
        found = cells(client, url)
        for text in texts:
            assert "'" + text in found and text not in found, (url, text)
