"""List rows are drawn once and kept in the cache under a digest of what they show: a
changed item or organization, or another language, is drawn afresh at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.safestring import mark_safe

from disclosure.models import State
from disclosure.rows import render_rows

pytestmark = pytest.mark.django_db


def test_rows_follow_the_item_the_organization_and_the_language(world):
    item = world.item(State.INTERNAL, title="第一版标题")
    member = Client()
    member.force_login(world.users["member"])
    assert "第一版标题" in member.get("/mine/").content.decode()

    item.title = "第二版标题"
    item.save(update_fields=["title"])
    world.branch.name = "更名后的第一党支部"
    world.branch.save()
    html = member.get("/mine/").content.decode()
    assert "第二版标题" in html and "第一版标题" not in html
    assert "更名后的第一党支部" in html

    assert "Intra-party" not in html
    member.cookies.load({"django_language": "en"})
    english = member.get("/mine/").content.decode()
    assert "Intra-party" in english and "第二版标题" in english


def test_a_kept_row_is_the_row_drawn(world):
    item = world.item(State.PUBLIC, title="缓存行")
    item.organization  # noqa: B018 - loaded as lists load it
    cache.clear()
    drawn = render_rows([item])
    kept = render_rows([item])  # from the cache this time
    assert drawn == kept and "缓存行" in kept and f"/items/{item.pk}/" in kept


def test_search_marks_are_never_kept(world):
    item = world.item(State.PUBLIC, title="党费说明")
    item.title_marked = mark_safe("<mark>党费</mark>说明")  # as search.highlight marks it
    assert "<mark>党费</mark>" in render_rows([item])
    plain = world.item(State.PUBLIC, title="党费说明")
    assert "<mark>" not in render_rows([plain])
