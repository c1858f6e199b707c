"""Both languages complete: every message translated, every page free of untranslated text."""

from __future__ import annotations

import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from disclosure.models import State

pytestmark = pytest.mark.django_db
PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def po_entries() -> list[tuple[str, str, bool]]:
    """Return (msgid, msgstr, fuzzy) for each entry of the Chinese catalog."""
    text = PO.read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n")[1:]:
        fuzzy = "#, fuzzy" in block

        def field(name: str, block: str = block) -> str:
            match = re.search(rf'^{name} ((?:".*"\n?)+)', block, re.M)
            return "".join(re.findall(r'"(.*)"', match.group(1))) if match else ""

        msgstr = field("msgstr") or field(r"msgstr\[0\]")
        entries.append((field("msgid"), msgstr, fuzzy))
    return entries


def test_every_message_is_translated_and_compiled():
    entries = po_entries()
    assert len(entries) > 300
    assert [m for m, s, fuzzy in entries if not s or fuzzy] == []
    assert MO.stat().st_mtime >= PO.stat().st_mtime - 1, "run make messages"
    catalog = gettext.GNUTranslations(MO.open("rb"))
    assert catalog.gettext("Log in") == "登录"


def english_phrases() -> list[str]:
    """Return the English fragments of our messages that must never show on a Chinese page."""
    phrases = set()
    for msgid, _msgstr, _fuzzy in po_entries():
        for piece in re.split(r"%\(\w+\)\w|\{\{.*?\}\}|%s", msgid):
            piece = piece.strip(" .:;,“”()")
            if len(piece) >= 8 and " " in piece:
                phrases.add(piece)
    return sorted(phrases)


def visible_text(response) -> str:
    page = response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


PAGES = {
    "anonymous": ["/", "/items/", "/items/?q=党费", "/orgs/", "/orgs/B1/", "/accounts/login/",
                  "/items/999999/", "/orgs/B1/catalog/", "/orgs/C/catalog/?subtree=1"],
    "secretary": ["/workspace/", "/notifications/", "ITEM:draft", "ITEM:internal",
                  "/workspace/B1/new/ENTRY/"],
    "reviewer": ["/review/", "ITEM:submitted"],
    "member": ["/mine/", "ITEM:internal", "/orgs/B1/catalog/"],
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_render_in_both_languages_without_untranslated_text(world, language):
    items = {s: world.item(s, title=f"页面检查{s}") for s in
             (State.DRAFT, State.SUBMITTED, State.INTERNAL, State.PUBLIC)}
    phrases = english_phrases()
    assert len(phrases) > 100
    for actor, urls in PAGES.items():
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if actor != "anonymous":
            client.force_login(world.users[actor])
        for url in urls:
            if url.startswith("ITEM:"):
                url = f"/items/{items[url[5:]].pk}/"
            url = url.replace("ENTRY", str(world.entries["public"].pk))
            response = client.get(url)
            assert response.status_code in (200, 404), url
            assert f'<html lang="{language}">' in response.content.decode()
            text = visible_text(response)
            if language == "zh-hans":
                leftovers = [p for p in phrases if p in text]
                assert leftovers == [], (url, leftovers)
            else:
                assert "登录" not in text and "公开事项" not in text.replace("页面检查", ""), url


def test_dates_are_shown_the_local_way(world):
    item = world.item(State.PUBLIC)
    client = Client()
    zh = visible_text(client.get(f"/items/{item.pk}/"))
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", zh)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = visible_text(client.get(f"/items/{item.pk}/"))
    assert not re.search(r"\d{4}年", en)


def test_the_untranslated_text_check_can_fail(world):
    """The English page shows the very phrases the Chinese check looks for."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = visible_text(client.get("/"))
    assert len([p for p in english_phrases() if p in text]) >= 3
