"""Security guards: production settings pass Django's deployment checks, and every URL
either is on the list of public pages or keeps anonymous visitors out."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from disclosure.models import Status

pytestmark = pytest.mark.django_db

# URL names anonymous visitors may open (answering 200 for something that exists).
PUBLIC = {
    "home", "organization_list", "organization_detail", "login", "set_language",
    "disclosure:item_list", "disclosure:item_detail", "disclosure:attachment_download",
    "disclosure:item_export", "disclosure:api_items", "disclosure:api_item",
    "disclosure:api_organizations", "disclosure:api_organization", "disclosure:api_openapi",
    "disclosure:feed_all", "disclosure:feed_org", "disclosure:feed_org_subtree",
    "disclosure:feed_category", "archive:notice_board", "feedback:new", "feedback:thanks",
    "feedback:track", "feedback:campaigns", "feedback:results",
}


def test_production_settings_pass_the_deployment_checks():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(60),
           "ALLOWED_HOSTS": "dangwu.example.org"}
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
    item = world.item(Status.PUBLIC, attachment=b"x")
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
