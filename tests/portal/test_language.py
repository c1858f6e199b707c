from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_chinese_by_default_even_for_english_browsers():
    page = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/")
    assert page.context["LANGUAGE_CODE"] == "zh-hans"
    assert '<html lang="zh-hans">' in page.content.decode()


def test_switcher_changes_language_to_english():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/items/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/items/")
    assert page.context["LANGUAGE_CODE"] == "en"
    assert "Disclosures" in page.content.decode()


def test_account_preference_applies_without_cookie(world):
    user = world.users["member"]
    user.language = "en"
    user.save()
    client = Client()
    client.force_login(user)
    assert client.get("/").context["LANGUAGE_CODE"] == "en"
