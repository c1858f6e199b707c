"""In-app notifications and their e-mail, rendered in the recipient's language.

Apps register a renderer per notification kind; the renderer decides what the recipient may
read *at the time of reading*, so a notification never shows an item its reader may not see.
E-mail says only that there is a notification, with a link to it (never what it is about:
mailboxes are outside the party's systems), and goes through an outbox: each notification
is mailed once, by a task queued after commit, and a periodic sweep sends whatever a broker
outage left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import caching
from .models import Notification, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    url: str = ""


Renderer = Callable[[Notification, object | None], Rendered]
# Loads the targets of one kind for one recipient: what the recipient may not see is left
# out, and the renderer words it neutrally.
Loader = Callable[[list[int], User], Mapping[int, Any]]
# Adds what the texts of a kind read beside the target's own fields (a latest reason, a
# related row), in the same one query.
Annotate = Callable[[QuerySet], QuerySet]
# The values only some readers may read (a return reason, a related item's title): given
# the target and the notification, whose recipient is the reader.
ReaderValues = Callable[[Any, Notification], dict]
_renderers: dict[str, tuple[Renderer, Loader]] = {}


def register(kind: str, renderer: Renderer, loader: Loader) -> None:
    """Register how to load the targets of ``kind`` (in bulk) and how to word them."""
    _renderers[kind] = (renderer, loader)


def hidden() -> Rendered:
    """The neutral text shown when the reader may no longer see what it was about."""
    return Rendered(_("Notification"), _("This notification is no longer available to you."))


def visible_loader(model, annotate: Annotate | None = None) -> Loader:
    """Return a loader that reads targets through the model's permission home (its
    registered queryset twin), in one query: what the recipient may not see is left out."""

    def load(ids: list[int], recipient: User) -> Mapping[int, Any]:
        from .permissions import rules_for

        rules = rules_for(model)
        queryset = rules.visible(recipient).select_related(*rules.related)
        return (annotate(queryset) if annotate else queryset).in_bulk(ids)

    return load


def register_texts(model, kinds: Iterable[str], values: Callable[[Any], dict],
                   url: Callable[[Any, Notification], str] | None = None, *,
                   annotate: Annotate | None = None,
                   reader_values: ReaderValues | None = None) -> None:
    """Register notifications about ``model``. The text of each kind is the template
    ``notifications/<kind>.txt`` (the subject on its first line, the body after it),
    rendered in the reader's language with ``values(target)``; ``url`` links to the target
    (its own page by default). Targets are loaded through the model's permission home; one
    the reader may not see reads neutrally. ``annotate`` adds to the loading query what the
    texts read beyond the target (a reason); ``reader_values(target, notification)`` adds
    the values that depend on the reader's rights, checked when the text is read."""

    def render_one(notification: Notification, target) -> Rendered:
        if target is None:
            return hidden()
        context = values(target)
        if reader_values is not None:
            context.update(reader_values(target, notification))
        text = render_to_string(f"notifications/{notification.kind}.txt", context)
        subject, _newline, body = text.strip().partition("\n")
        link = url(target, notification) if url else target.get_absolute_url()
        return Rendered(subject, body, link)

    for kind in kinds:
        register(kind, render_one, visible_loader(model, annotate))


def language_of(user: User) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in codes else settings.LANGUAGE_CODE


def render(notification: Notification, language: str | None = None) -> Rendered:
    """Return the notification's text in ``language`` (the recipient's by default)."""
    return render_many([notification], language)[0]


def render_many(items: list[Notification], language: str | None = None) -> list[Rendered]:
    """Render notifications of one recipient, loading their targets kind by kind."""
    assert len({n.recipient_id for n in items}) <= 1, "one recipient at a time"
    targets: dict[str, Mapping[int, Any]] = {}
    for kind in {n.kind for n in items}:
        if kind in _renderers:
            ids = [n.target_id for n in items if n.kind == kind and n.target_id]
            recipient = next(n.recipient for n in items if n.kind == kind)
            targets[kind] = _renderers[kind][1](ids, recipient) if ids else {}
    result = []
    for notification in items:
        with translation.override(language or language_of(notification.recipient)):
            if notification.kind not in _renderers:
                result.append(Rendered(_("Notification"), ""))
                continue
            target = targets[notification.kind].get(notification.target_id or 0)
            result.append(_renderers[notification.kind][0](notification, target))
    return result


def notify(recipients: Iterable[User], kind: str, *, target_id: int | None = None,
           params: dict | None = None, reminder_key: str = "",
           queue_email: bool = True) -> list[Notification]:
    """Create one notification per recipient and queue their e-mail after commit
    (``queue_email=False``: the caller queues them in bulk)."""
    created = []
    for user in {u.pk: u for u in recipients}.values():
        notification = Notification(recipient=user, kind=kind, target_id=target_id,
                                    params=params or {}, reminder_key=reminder_key)
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            continue  # this reminder already reached this person
        created.append(notification)
    ids = [n.pk for n in created]
    if ids and queue_email:
        transaction.on_commit(lambda: enqueue_emails(ids))
    return created


def enqueue_emails(notification_ids: list[int]) -> None:
    """Queue the e-mail task; if the broker is down, the outbox sweep sends them later."""
    from .tasks import send_notification_emails

    try:
        send_notification_emails.apply_async(args=[notification_ids], retry=False)
    except Exception:  # noqa: BLE001 - any broker failure leaves the mail in the outbox
        logger.warning("broker unavailable; %d e-mails wait in the outbox",
                       len(notification_ids))


def send_email(notification_id: int) -> bool:
    """Mail one notification unless it was mailed already; return whether it was sent."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient").filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        sent = False
        if recipient.email and recipient.is_active:
            subject, body = email_text(notification)
            send_mail(subject, body, None, [recipient.email])
            sent = True
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        return sent


def email_text(notification: Notification) -> tuple[str, str]:
    """The e-mail of a notification: a neutral subject and a link to the notification on
    the portal (PORTAL_BASE_URL), in the recipient's language. Mailboxes are outside the
    party's systems, so no title, name or content of what it is about goes into it; the
    notification itself, behind the login, keeps its full text."""
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("notification_open",
                                                          args=[notification.pk])
    with translation.override(language_of(notification.recipient)):
        text = render_to_string("notifications/email.txt", {
            "link": link, "portal_name": settings.PORTAL_NAME,
            "name": notification.recipient.display_name,
        })
    subject, _newline, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def send_pending_emails(*, older_than_seconds: int | None = None, batch: int = 500) -> int:
    """Send e-mails the queue never delivered (broker outage, lost message), once they are
    older than the grace period in which their own task should have sent them."""
    grace = settings.OUTBOX_GRACE_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - dt.timedelta(seconds=grace)
    ids = list(Notification.objects.filter(emailed_at__isnull=True, created_at__lte=cutoff)
               .order_by("created_at").values_list("pk", flat=True)[:batch])
    return sum(send_email(pk) for pk in ids)


UNREAD_SECONDS = caching.FRESH_SECONDS


def unread_of(user_id: int) -> str:
    """The version of ``user_id``'s notifications (bumped by :func:`notices_changed`)."""
    return f"notices:{user_id}"


def notices_changed(user_id: int) -> None:
    caching.bump_on_commit(unread_of(user_id))


def unread_count(user) -> int:
    """Return how many of ``user``'s notifications are unread: kept in the cache until one
    of them is sent, read or deleted."""
    if not user.is_authenticated:
        return 0
    return caching.stamped(
        f"unread:{user.pk}", (unread_of(user.pk),),
        lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        UNREAD_SECONDS, shared_only=True)


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
