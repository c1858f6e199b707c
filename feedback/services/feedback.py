"""The one write path for feedback: submission, offline recording and each handling step."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from disclosure.models import DisclosureItem
from disclosure.services import publicity
from disclosure.visibility import can_view
from portal import deadlines, workflow
from portal.calendar import add_working_days
from portal.models import Organization, User
from portal.notifications import notify
from portal.roles import role_holders

from ..models import OPEN_STATES, Feedback
from ..permissions import may_record_offline

State = Feedback.State


def clean_text(text: str, limit: int) -> str:
    """Drop control characters (keeping line breaks) and trim; submitters' text is only
    ever shown escaped."""
    kept = "".join(ch for ch in (text or "")
                   if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return kept.strip()[:limit]


def address_hash(address: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def check_rate(address: str) -> None:
    """Refuse anonymous submissions beyond the limit per address and hour."""
    since = timezone.now() - dt.timedelta(hours=1)
    recent = Feedback.objects.filter(address_hash=address_hash(address), received_at__gte=since,
                                     author__isnull=True).count()
    if recent >= settings.FEEDBACK_RATE_LIMIT_PER_HOUR:
        raise ValidationError(_("Too many submissions from your address; please try again "
                                "in an hour or sign in."), code="rate")


def reply_due(received: dt.datetime) -> dt.date:
    return add_working_days(timezone.localtime(received).date(), settings.FEEDBACK_REPLY_DAYS)


def objection_refusal(item: DisclosureItem) -> str:
    """Return why an objection to ``item`` is refused today, or "" while it is taken."""
    if item.takes_objections():
        return ""
    if not item.is_short_term:
        return _("This item has no publicity period; objections are taken only while a "
                 "publicity item is on display. You may give feedback instead.")
    if item.display_until is not None and item.display_until < timezone.localdate():
        return _("The publicity period of this item ended on %(end)s; objections are no "
                 "longer taken.") % {"end": formats.date_format(item.display_until,
                                                               "DATE_FORMAT")}
    return _("This item is not on display for objections.")


@transaction.atomic
def feedback_submit(*, organization: Organization, item: DisclosureItem | None, author,
                    body: str, name: str = "", contact: str = "", allow_publish: bool = False,
                    allow_publish_question: bool = False, address: str = "",
                    objection: bool = False) -> Feedback:
    """Take feedback through the online form, from a signed-in person or anonymously.

    An ``objection`` (异议) is feedback on a 公示 raised while its period runs: the item is
    locked, so that an objection and the end of the period never cross.

    ``allow_publish_question`` and ``allow_publish`` are the submitter's consent to
    publishing the question and the answer under the item, each on its own; given now, it
    publishes them only if the item has already reached the public (see
    :func:`feedback_consent`)."""
    signed_in = author is not None and author.is_authenticated
    if objection and item is None:
        raise ValidationError(_("An objection is raised against a publicity item."))
    reader = author if author is not None else AnonymousUser()
    if item is not None and (item.organization_id != organization.pk
                             or not can_view(reader, item)):
        raise PermissionDenied
    if objection:
        assert item is not None
        item = workflow.lock(DisclosureItem, item.pk)
        if refusal := objection_refusal(item):
            raise workflow.TransitionError(refusal)
    if not signed_in:
        check_rate(address)
    body = clean_text(body, 5000)
    if len(body) < 5:
        raise ValidationError({"body": _("Please write at least a few words.")})
    now = timezone.now()
    feedback = Feedback.objects.create(
        organization=organization, item=item, author=author if signed_in else None,
        name=clean_text(name, 60), contact=clean_text(contact, 100), body=body,
        allow_publish=allow_publish, allow_publish_question=allow_publish_question,
        consent_at=now if (allow_publish or allow_publish_question) else None,
        received_at=now, due_date=reply_due(now),
        address_hash="" if signed_in else address_hash(address), is_objection=objection,
    )
    notify(role_holders([organization.pk], ["secretary", "committee"]),
           "objection.received" if objection else "feedback.received", target_id=feedback.pk)
    return feedback


@transaction.atomic
def feedback_record_offline(*, organization: Organization, actor: User, channel: str,
                            body: str, name: str = "", contact: str = "",
                            received_on: dt.date | None = None,
                            item: DisclosureItem | None = None) -> Feedback:
    """Record feedback that came by hotline, letter, box, reception day or meeting."""
    if not may_record_offline(actor, organization):
        raise PermissionDenied
    if channel == Feedback.Channel.ONLINE or channel not in Feedback.Channel.values:
        raise ValidationError({"channel": _("Choose the channel the feedback came through.")})
    if item is not None and item.organization_id != organization.pk:
        raise ValidationError({"item": _("The item belongs to another organization; record "
                                         "the feedback there, or without an item.")})
    received = timezone.now()
    if received_on is not None:
        if received_on > timezone.localdate():
            raise ValidationError({"received_on": _("The date cannot be in the future.")})
        received = timezone.make_aware(dt.datetime.combine(received_on, dt.time(9)))
    return workflow.create(Feedback(
        organization=organization, item=item, channel=channel, body=clean_text(body, 5000),
        name=clean_text(name, 60), contact=clean_text(contact, 100), received_at=received,
        due_date=reply_due(received), recorded_by=actor,
    ), actor, action="record")


def _step(feedback_id: int, action: str, actor: User, changes: dict | None = None,
          validate=None, comment: str = "") -> Feedback:
    return workflow.transition(Feedback, feedback_id, action, actor=actor, validate=validate,
                               changes={**(changes or {}), "handled_by": actor},
                               comment=comment)


def _plain(action: str):
    """The service of a handling step that needs nothing but the actor."""

    @transaction.atomic
    def step(*, feedback_id: int, actor: User) -> Feedback:
        return _step(feedback_id, action, actor)

    step.__name__ = step.__qualname__ = f"feedback_{action}"
    step.__doc__ = f"Take the handling step {action!r} on a feedback."
    return step


feedback_accept = _plain("accept")
feedback_start = _plain("start")
feedback_close = _plain("close")


@transaction.atomic
def feedback_reject(*, feedback_id: int, actor: User, reason: str) -> Feedback:
    """Decide not to accept feedback (不予受理), with the reason its submitter is told; the
    reason is also the decision's event comment, so that it stays on record if the decision
    is taken back."""
    reason = clean_text(reason, 2000)
    feedback = _step(feedback_id, "reject", actor, {"rejection_reason": reason},
                     workflow.required(reason, _("Say why the feedback is not accepted.")),
                     comment=reason)
    _tell_author(feedback, "feedback.declined")
    return feedback


@transaction.atomic
def feedback_reopen(*, feedback_id: int, actor: User, reason: str) -> Feedback:
    """Take back a decision not to accept, taken by mistake: the feedback is accepted and
    awaits its reply (by the same due date), the reason is recorded and the submitter told.
    The decision and its reason stay in the history and the event log."""
    reason = clean_text(reason, 2000)
    feedback = _step(feedback_id, "reopen", actor, {"rejection_reason": ""},
                     workflow.required(reason, _("Say why the decision is taken back.")),
                     comment=reason)
    if feedback.author_id:
        notify([feedback.author], "feedback.reopened", target_id=feedback.pk)  # type: ignore[list-item]
    return feedback


@transaction.atomic
def feedback_reply(*, feedback_id: int, actor: User, reply: str,
                   confidentiality_checked: bool = False) -> Feedback:
    """Send the answer to the submitter. Whether the question and the answer are then
    published under the item (as far as the submitter consented) depends on the second
    look: ``confidentiality_checked`` is the replier's attestation of the confidentiality
    check (保密审查) for publication. Without it the reply is saved and sent all the same,
    and nothing is published; a secretary answering a hotline caller should not be held up
    by a check that concerns only the public page."""
    reply = clean_text(reply, 5000)
    feedback = _step(feedback_id, "reply", actor,
                     {"reply": reply, "confidentiality_checked": confidentiality_checked},
                     workflow.required(reply if len(reply) >= 5 else "", _("Write the reply.")))
    _tell_author(feedback)
    return feedback


@transaction.atomic
def feedback_check_publication(*, feedback_id: int, actor: User,
                               confidentiality_checked: bool) -> Feedback:
    """Attest, after the reply, the confidentiality check for publishing the question and
    the answer under the item (forgotten when replying, or replied before it was asked):
    from now they are published as far as the submitter consents."""
    if not confidentiality_checked:
        raise ValidationError({"confidentiality_checked": _(
            "Publishing requires attesting that the confidentiality check was done.")})
    return _step(feedback_id, "check_publication", actor, {"confidentiality_checked": True})


def _tell_author(feedback: Feedback, kind: str = "feedback.answered") -> None:
    if feedback.author_id:
        notify([feedback.author], kind, target_id=feedback.pk)  # type: ignore[list-item]


def pending_feedback():
    return Feedback.objects.filter(state__in=OPEN_STATES, organization__is_active=True)


def objection_tally(item_id: int) -> publicity.Objections:
    """Count the objections raised against an item and those still being handled."""
    counts = Feedback.objects.filter(item_id=item_id, is_objection=True).aggregate(
        raised=Count("pk"), unhandled=Count("pk", filter=Q(state__in=OPEN_STATES)))
    return publicity.Objections(counts["raised"], counts["unhandled"])


deadlines.register(deadlines.DeadlineSource(name="feedback", pending=pending_feedback))
publicity.register_objections(objection_tally)

@transaction.atomic
def feedback_consent(*, feedback_id: int, actor: User, allow_publish_question: bool,
                     allow_publish: bool) -> Feedback:
    """Record the submitter's decision, taken again, on publishing their feedback (the
    question, the answer, each or neither) under its item: this is how feedback given
    before the item was made public may be published after, and how consent is taken back.
    Only the signed-in author decides."""
    feedback = workflow.lock(Feedback, feedback_id)
    if feedback.author_id is None or feedback.author_id != actor.pk:
        raise PermissionDenied
    if feedback.item_id is None:
        raise ValidationError(_("This feedback is not about an item; nothing of it is "
                                "published."))
    workflow.save(feedback, actor, {
        "allow_publish": allow_publish, "allow_publish_question": allow_publish_question,
        "consent_at": timezone.now()}, reason=_("Consent to publication decided"))
    return feedback


__all__ = [
    "address_hash", "check_rate", "clean_text", "feedback_accept",
    "feedback_check_publication", "feedback_close", "feedback_consent", "feedback_reopen",
    "feedback_record_offline", "feedback_reject", "feedback_reply", "feedback_start",
    "feedback_submit", "objection_refusal", "objection_tally", "pending_feedback", "reply_due",
]
