"""Whole pages for anonymous readers, kept in the shared cache under the version of what
public pages show.

What an anonymous reader sees depends on nothing personal: the page is the same for every
anonymous reader of the same address in the same language and text size, until a record
that public pages show changes. :func:`public_page` keeps such pages under ``PAGES``, a
version that every save and deletion of a record of the portal bumps (:func:`changed`),
with the few exceptions that no public page shows (``QUIET``); items and their attachments
before their release, which no public page shows either, leave it alone too, so that
secretaries writing drafts do not empty the cache of every reader.

A page is kept only when nothing in it can belong to one reader: the request carries no
session or messages cookie (so the session it reads is empty), the view wrote nothing to
the session, asked for no CSRF token and set no cookie, and the answer is a complete 200.
Pages are also stamped with today's date (a 公示 period ends on its own day) and kept at
most ``PAGE_SECONDS``.

Signed-in readers never read whole pages from here: a page of theirs carries their name,
their counts and their form tokens. The rendered part of a list that depends only on what
they may see is kept for readers without office or grants (:func:`reader_part`), under the
same version and a digest of the SQL that selects their items
(:func:`disclosure.visibility.reader_scope`): members of the same organizations share it.
An officer's workspace and review inbox keep their part for that officer alone, until any
record changes (:func:`office_part`).

Pages are kept only in a cache every process shares (Redis, production's ``CACHE_URL``): a
version bumped by the worker (a planned release) must reach every web process.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localdate

from . import caching

logger = logging.getLogger(__name__)

PAGES = "public-pages"
# Any record of the portal's workflows: the navigation's to-do counts are kept under it.
RECORDS = "records"
PAGE_SECONDS = caching.FRESH_SECONDS
APPS = ("portal", "catalog", "disclosure", "feedback", "archive")
# Records that neither a public page nor a to-do count shows (notifications have their
# own version, portal.notifications.unread_of); and those no public page shows.
UNCOUNTED = {"portal.notification", "portal.reminder", "portal.event"}
QUIET = {*UNCOUNTED, "portal.calendarday", "disclosure.obligation"}
# Headers the view set that are not kept: everything else (content type, the API's CORS
# header, a feed's Last-Modified) is served again with the page.
DROPPED_HEADERS = {"set-cookie", "vary", "x-page-cache"}
# The name of a form's CSRF field: a part that holds one belongs to one reader.
TOKEN_FIELD = "csrfmiddlewaretoken"
# What an officer's kept part holds in place of the form token: the request's own token is
# put in on the way out (letters only, so that escaping leaves it as it is).
TOKEN_STANDIN = "keptpartformtokenstandin"
HIT_HEADER = "X-Page-Cache"
PART_HEADER = "X-Part-Cache"


def changed() -> None:
    """Make the next anonymous request render every public page again."""
    caching.bump_on_commit(PAGES)


def records_changed() -> None:
    """Make the next request draw again what is kept under the records version (the
    navigation's to-do counts, officers' pages), after writes that send no signal (bulk
    creation); saves and deletions bump it by themselves."""
    caching.bump_on_commit(RECORDS)


def _on_change(sender, instance=None, **kwargs) -> None:
    if kwargs.get("action", "post_").startswith("pre_"):
        return
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # a login: nothing a public page shows
    caching.bump_on_commit(RECORDS)
    if sender._meta.label_lower in QUIET or _before_release(instance):
        return
    changed()


def _before_release(instance) -> bool:
    """Whether ``instance`` is an item (or an item's attachment) that has not been released
    and never was: none of the public pages shows it."""
    from disclosure.models import Attachment, DisclosureItem
    from disclosure.signals import UNLISTED_STATES

    if isinstance(instance, Attachment):
        instance = DisclosureItem.objects.filter(pk=instance.item_id).only("state").first()
        if instance is None:
            return False
    return isinstance(instance, DisclosureItem) and instance.state in UNLISTED_STATES


def connect() -> None:
    """Connect :func:`_on_change` to every model of the portal's apps but the uncounted
    ones (called when the portal app is ready; historical records follow their record)."""
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.label_lower
            if name in UNCOUNTED or model.__name__.startswith("Historical"):
                continue
            uid = f"portal.pagecache:{name}"
            post_save.connect(_on_change, sender=model, dispatch_uid=uid)
            post_delete.connect(_on_change, sender=model, dispatch_uid=uid)
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(_on_change, sender=field.remote_field.through,
                                    dispatch_uid=f"{uid}:{field.name}")


def _cacheable_request(request: HttpRequest) -> bool:
    return (request.method == "GET"
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
            and not request.user.is_authenticated)


def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    return (response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not (session is not None and session.modified)
            and "no-store" not in response.get("Cache-Control", ""))


def _key(request: HttpRequest, version: int) -> str:
    from .views import LARGE_TEXT_COOKIE

    parts = "|".join((
        str(version), localdate().isoformat(), str(request.LANGUAGE_CODE),
        "large" if request.COOKIES.get(LARGE_TEXT_COOKIE) == "1" else "normal",
        str(request.scheme), request.get_host(), request.get_full_path()))
    return "page:" + hashlib.sha256(parts.encode()).hexdigest()


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view`` to anonymous readers from the cache while nothing public changed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (caching.is_shared() and _cacheable_request(request)):
            return view(request, *args, **kwargs)
        version = caching.version(PAGES)
        if version is None:
            return view(request, *args, **kwargs)
        key = _key(request, version)
        try:
            found = cache.get(key)
        except Exception:  # noqa: BLE001 - a cache that does not answer: render
            logger.warning("cache unavailable while reading a page", exc_info=True)
            found = None
        if isinstance(found, tuple) and len(found) == 2:
            headers, content = found
            response = HttpResponse(content, headers=headers)
            response[HIT_HEADER] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        if _cacheable_response(request, response):
            headers = {name: value for name, value in response.headers.items()
                       if name.lower() not in DROPPED_HEADERS}
            try:
                cache.set(key, (headers, response.content), PAGE_SECONDS)
            except Exception:  # noqa: BLE001
                logger.warning("cache unavailable while keeping a page", exc_info=True)
            response[HIT_HEADER] = "miss"
        return response

    return wrapper


def reader_part(request: HttpRequest, scope: str | None,
                render: Callable[[], str]) -> SafeString:
    """Return the part of a page ``render`` draws for a signed-in reader, kept while nothing
    public changed for readers who see the same (``scope``, from
    :func:`disclosure.visibility.reader_scope`; None: drawn every time).

    ``render`` must draw only what follows from the address and what the reader may see:
    no name, no form token, no message (a part holding a form token is drawn but not kept,
    and logged as an error). ``request.part_cache`` records hit, miss or refused, for the
    response's header."""
    if scope is None or request.method != "GET" or not caching.is_shared():
        return mark_safe(render())  # noqa: S308 - rendered by a template
    version = caching.version(PAGES)
    if version is None:
        return mark_safe(render())  # noqa: S308
    key = "part:" + hashlib.sha256("|".join((
        str(version), localdate().isoformat(), str(request.LANGUAGE_CODE), scope,
        str(request.scheme), request.get_host(), request.get_full_path())).encode()).hexdigest()
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache that does not answer: render
        logger.warning("cache unavailable while reading a page part", exc_info=True)
        found = None
    if isinstance(found, str):
        request.part_cache = "hit"  # type: ignore[attr-defined]
        return mark_safe(found)  # noqa: S308
    content = render()
    if TOKEN_FIELD in content:  # one reader's form token: never shared
        logger.error("a page part held a form token and was not kept: %s", request.path)
        request.part_cache = "refused"  # type: ignore[attr-defined]
        return mark_safe(content)  # noqa: S308
    try:
        cache.set(key, content, PAGE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable while keeping a page part", exc_info=True)
    request.part_cache = "miss"  # type: ignore[attr-defined]
    return mark_safe(content)  # noqa: S308


class _Refused(Exception):
    def __init__(self, content: str) -> None:
        self.content = content


def office_part(request: HttpRequest, render: Callable[[dict], str]) -> SafeString:
    """Return the part of an officer's page (workspace, review inbox) ``render`` draws,
    kept for that person alone until any record of the portal changes.

    Such a page lists drafts, submissions, obligations and filings of the organizations
    the person serves: anything of it may change with any record, so the part is kept
    under the records version (every save and deletion but notifications, reminders and
    events), the person's rights and item grants, and today's date. ``render`` gets the
    context to draw with: its form token is a stand-in, replaced by the request's own
    token on every request; a part holding any other token is drawn but not kept."""
    context = {"csrf_token": TOKEN_STANDIN}
    if request.method != "GET" or not caching.is_shared():
        return mark_safe(_with_token(request, render(context)))  # noqa: S308
    from disclosure.visibility import GRANTS

    from .roles import RIGHTS, rights_of

    user_id = request.user.pk
    if user_id is None:  # officers' pages only: an anonymous request keeps nothing here
        return mark_safe(_with_token(request, render(context)))  # noqa: S308
    key = "office-part:" + hashlib.sha256("|".join((
        str(user_id), str(request.LANGUAGE_CODE), str(request.scheme), request.get_host(),
        request.get_full_path())).encode()).hexdigest()
    drawn = []

    def draw() -> str:
        content = render(context)
        drawn.append(True)
        if content.count(f'name="{TOKEN_FIELD}"') != content.count(TOKEN_STANDIN):
            logger.error("a page part held a form token and was not kept: %s", request.path)
            raise _Refused(content)
        return content

    try:
        content = caching.stamped(
            key, (RECORDS, RIGHTS, rights_of(user_id), GRANTS), draw, PAGE_SECONDS,
            stamp=localdate(), shared_only=True)
        request.part_cache = "miss" if drawn else "hit"  # type: ignore[attr-defined]
    except _Refused as refused:
        content = refused.content
        request.part_cache = "refused"  # type: ignore[attr-defined]
    return mark_safe(_with_token(request, content))  # noqa: S308


def _with_token(request: HttpRequest, content: str) -> str:
    if TOKEN_STANDIN not in content:
        return content
    from django.middleware.csrf import get_token

    return content.replace(TOKEN_STANDIN, get_token(request))
