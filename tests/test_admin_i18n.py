"""The admin in Chinese is Chinese, and in English English: the demo's superuser and catalog
admin open every registered model's list, add page, a change page and its history, the app
pages and the custom views, and no interface word of the other language shows. What the
records themselves say (usernames, codes, group names, file names) is content, not
interface."""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import NoReverseMatch, reverse

from catalog.models import Catalog, CatalogEntry
from portal.models import Organization, User

from .test_demo import _fast_and_isolated, demo, demo_media  # noqa: F401 - the seeded demo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

# Names of things that are the same in both languages: formats, programs, keys, protocols.
ALLOWED = {"Markdown", "HTML", "CSV", "PDF", "Excel", "Word", "SHA", "LDAP", "URL", "IP",
           "HTTP", "GET", "POST", "Control", "Command", "Mac", "SVG", "PNG", "JPEG", "Atom",
           "sha", "OUT"}
ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes, labels in attributes, button values.
    What the admin isolates as a record's own text (``<bdi>``) is content and left out."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template", "bdi"):
            self.hidden += 1
        values = dict(attrs)
        self.parts += [values[name] or "" for name in ATTRIBUTES if name in values]
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "bdi"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def content_words() -> set[str]:
    """The Latin words the demo's records hold: they show as they are in any language."""
    from axes.models import AccessLog

    from disclosure.models import Attachment

    values = [*User.objects.values_list("username", "email", "password"),
              *Attachment.objects.values_list("original_name", "content_type", "sha256"),
              *AccessLog.objects.values_list("user_agent", "path_info", "http_accept"),
              *Organization.objects.values_list("code"), *CatalogEntry.objects.values_list("code"),
              *Group.objects.values_list("name")]
    return {word for row in values for value in row if value
            for word in re.findall(r"[A-Za-z]+", value)}


def admin_pages(user: User) -> list[str]:
    """Every admin page of every registered model ``user`` may open, and the custom views."""
    client_request = type("Request", (), {"user": user})()
    urls = ["/admin/", "/admin/catalog/catalog/load-defaults/",
            "/admin/portal/organization/import/"]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if not model_admin.has_view_or_change_permission(client_request):
            continue
        urls += [f"/admin/{opts.app_label}/",
                 reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
        if model_admin.has_add_permission(client_request):
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        first = model_admin.get_queryset(client_request).order_by("-pk").first()
        if first is not None:
            for view in ("change", "history"):
                with contextlib.suppress(NoReverseMatch):
                    urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}",
                                        args=[first.pk]))
    return list(dict.fromkeys(urls))


def foreign_words(client: Client, url: str, language: str, allowed: set[str]) -> list[str]:
    response = client.get(url, follow=True)
    if response.status_code in (403, 404):
        return []
    assert response.status_code == 200, url
    text = visible_text(response.content.decode())
    if language == "en":
        return sorted({m for m in re.findall(r"[\u4e00-\u9fff]+", text)} - allowed)
    return sorted({m for m in re.findall(r"[A-Za-z]{2,}", text)} - allowed)


@pytest.mark.parametrize("username", ["admin", "catalog_admin"])
def test_every_admin_page_is_chinese_in_chinese(username):
    user = User.objects.get(username=username)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    allowed = ALLOWED | content_words()
    found = {url: words for url in admin_pages(user)
             if (words := foreign_words(client, url, "zh-hans", allowed))}
    assert found == {}


def chinese_content() -> set[str]:
    """The Chinese the demo's records hold: names, titles, texts."""
    from django.apps import apps
    from django.db import models

    words: set[str] = set()
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField)) and not f.choices]
        if not fields or model._meta.app_label in ("sessions", "contenttypes"):
            continue
        for row in model._default_manager.values_list(*fields)[:500]:
            for value in row:
                words.update(re.findall(r"[\u4e00-\u9fff]+", str(value or "")))
    return words


@pytest.mark.parametrize("username", ["admin", "catalog_admin"])
def test_every_admin_page_is_english_in_english(username):
    user = User.objects.get(username=username)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    # The language's own name in the switcher, and a term's Chinese name given beside it.
    allowed = chinese_content() | {"简体中文", "阶段性公开"}
    found = {url: words for url in admin_pages(user)
             if (words := foreign_words(client, url, "en", allowed))}
    assert found == {}


def test_the_messages_of_admin_actions_are_chinese():
    """A custom action's messages (catalog roll-over, which makes draft versions here inside
    the test's transaction) and a refused one's."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username="admin"))
    first = Catalog.objects.order_by("pk").first()
    said = []
    for year in ("", "1999"):
        response = client.post("/admin/catalog/catalog/", {
            "action": "roll_over", "index": "0", "_selected_action": [first.pk],
            "year": year}, follow=True)
        assert response.status_code == 200
        said += [str(message) for message in response.context["messages"]]
    assert said, "the actions said nothing"
    english = re.findall(r"[A-Za-z]{2,}", " ".join(said))
    assert set(english) <= content_words() | ALLOWED, said
