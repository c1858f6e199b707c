"""Security guards: production settings pass Django's deployment checks, and every URL
either is on the list of public pages or keeps anonymous visitors out."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from disclosure.models import State
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# URL names anonymous visitors may open (answering 200 for something that exists).
PUBLIC = {
    "home", "health", "organization_list", "organization_detail", "login", "set_language",
    "disclosure:item_list", "disclosure:item_detail", "disclosure:attachment_download",
    "disclosure:item_export", "disclosure:api_items", "disclosure:api_item",
    "disclosure:api_organizations", "disclosure:api_organization", "disclosure:api_openapi",
    "disclosure:feed_all", "disclosure:feed_org", "disclosure:feed_org_subtree",
    "disclosure:feed_category", "archive:notice_board", "feedback:new", "feedback:thanks",
    "feedback:track", "feedback:campaigns", "feedback:results",
    "feedback:record_detail",  # inspection results published to the public
    "feedback:commitment_list",
    "feedback:commitment_detail", "feedback:comment_detail", "feedback:resident_vote",
    "feedback:resident_thanks", "feedback:register",
    "disclosure:catalog_page",
    "password_reset", "password_reset_done", "password_reset_confirm",
    "password_reset_complete",
}


def test_production_settings_pass_the_deployment_checks():
    # Browser tests earlier in the run set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright's loop;
    # a deployment never has it.
    env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
           "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(60),
           "ALLOWED_HOSTS": "dangwu.example.org", "CACHE_URL": "redis://cache.example.org:6379/1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, env=env, cwd=os.path.dirname(os.path.dirname(__file__)),
        check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern),
                            f"{ns}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern):
            yield namespace + (pattern.name or ""), prefix + str(pattern.pattern)


def concrete(route: str, values: dict[str, str]) -> str | None:
    """Fill a route's converters with real values; None for regex and admin routes."""
    import re

    if route.startswith("^") or route.startswith("admin/"):
        return None
    def fill(match):
        kind, name = match.group(1) or "str", match.group(2)
        return values.get(name) or {"int": "1", "slug": "x", "str": "B1",
                                    "path": "x"}.get(kind, "x")
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def test_every_url_keeps_anonymous_visitors_out_unless_public(world):
    item = world.item(State.PUBLIC, attachment=b"x")
    values = {"pk": str(item.pk), "code": "B1", "category": "organization",
              "fmt": "csv", "number": "NOPE", "kind": "item", "step": "accept",
              "transition": "submit", "decision": "approve", "action": "respond",
              "entry_id": str(world.entries["public"].pk)}
    client = Client()
    checked, seen = 0, {}
    for name, route in walk(get_resolver().url_patterns):
        url = concrete(route, values)
        if url is None:
            continue
        response = client.get(url)
        checked += 1
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        if name in PUBLIC:
            assert response.status_code in (200, 302, 404, 405), (name, url)
            continue
        assert response.status_code in (302, 404, 405), (name, url, response.status_code)
        if response.status_code == 302:
            assert response.url.startswith("/accounts/login/"), (name, url, response.url)
    assert checked > 60
    assert seen.get(302, 0) > 25  # the walk reached the signed-in pages
    assert client.get("/admin/").status_code == 302


def test_security_headers(world):
    response = Client().get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


COOKIE_AND_HEADER_SETTINGS = [
    "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SAMESITE", "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
]


def production_settings() -> dict:
    """Return the cookie and header settings as portal/settings.py derives them when
    DEBUG is off and nothing else is said."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
                          "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD")}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(60),
               ALLOWED_HOSTS="dangwu.example.org", DJANGO_SETTINGS_MODULE="portal.settings")
    code = ("import json, django; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n) for n in {COOKIE_AND_HEADER_SETTINGS}}}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=os.path.dirname(os.path.dirname(__file__)), check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_and_headers(world):
    values = production_settings()
    assert values["DEBUG"] is False and values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    values["SECURE_SSL_REDIRECT"] = False  # the test client asks for https itself
    with override_settings(**values):
        client = Client()
        page = client.get("/accounts/login/", secure=True)
        assert page.status_code == 200
        assert page["X-Content-Type-Options"] == "nosniff"
        assert page["X-Frame-Options"] == "DENY"
        assert page["Referrer-Policy"] == "same-origin"
        assert page["Cross-Origin-Opener-Policy"] == "same-origin"
        assert page["Strict-Transport-Security"].startswith("max-age=31536000")
        csrf = page.cookies["csrftoken"]
        assert csrf["secure"] is True and csrf["samesite"] == "Lax"
        login = client.post("/accounts/login/", {"username": "member", "password": PASSWORD},
                            secure=True)
        assert login.status_code == 302
        session = login.cookies["sessionid"]
        assert session["httponly"] is True and session["secure"] is True
        assert session["samesite"] == "Lax"
        switch = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)
        language = switch.cookies["django_language"]
        assert language["secure"] is True and language["httponly"] is True
        assert language["samesite"] == "Lax"
