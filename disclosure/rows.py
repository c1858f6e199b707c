"""The rows of item lists, rendered once and kept in the cache.

A row shows the item's title, state badge, organization, category and date, in the
reader's language; nothing in it depends on who reads it (which items a reader may see is
decided by the list's query, before any row is drawn). A row is kept under a digest of
everything it shows and of its template, so a changed item, a renamed organization or a
new template is drawn afresh, never looked up: no version to bump, nothing to invalidate.
Rows marked for a search (the words found, a snippet) are drawn each time.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from functools import cache as once
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .models import DisclosureItem

logger = logging.getLogger(__name__)

TEMPLATE = "disclosure/_item_row.html"
ROW_SECONDS = 3600  # a row not listed for an hour leaves the cache


@once
def _template_digest() -> str:
    """The digest of the row's template and of the portal's translations (a row shows
    translated labels): a deployment that changes either draws rows afresh."""
    digest = hashlib.sha256(
        Path(get_template(TEMPLATE).origin.name).read_bytes())  # type: ignore[attr-defined]
    for catalog in sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.mo")):
        digest.update(catalog.read_bytes())
    return digest.hexdigest()[:16]


def _key(item: DisclosureItem, language: str) -> str:
    shown = (item.pk, item.title, item.state, item.public_audience, item.party_audience,
             item.public_at, item.internal_at, item.category, item.withdrawn_at,
             item.organization.name, language, settings.TIME_ZONE, _template_digest())
    return "row:" + hashlib.sha256(repr(shown).encode()).hexdigest()


def _marked(item: DisclosureItem) -> bool:
    return bool(getattr(item, "title_marked", None) or getattr(item, "snippet", None))


def render_rows(items: Iterable[DisclosureItem]) -> SafeString:
    """Return the rows of ``items``, drawing only those not kept yet (one round trip to
    the cache for all of them)."""
    items = list(items)
    language = get_language() or settings.LANGUAGE_CODE
    keys = {item.pk: _key(item, language) for item in items if not _marked(item)}
    try:
        found = cache.get_many(list(keys.values())) if keys else {}
    except Exception:  # noqa: BLE001 - a cache that does not answer: draw every row
        logger.warning("cache unavailable while reading rows", exc_info=True)
        found = {}
    template = get_template(TEMPLATE)
    parts, drawn = [], {}
    for item in items:
        key = keys.get(item.pk)
        html = found.get(key) if key else None
        if html is None:
            html = template.render({"item": item})
            if key:
                drawn[key] = html
        parts.append(html)
    if drawn:
        try:
            cache.set_many(drawn, ROW_SECONDS)
        except Exception:  # noqa: BLE001
            logger.warning("cache unavailable while keeping rows", exc_info=True)
    return mark_safe("".join(parts))  # noqa: S308 - rendered by the autoescaping template
