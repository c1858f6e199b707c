"""Feedback from members and the public, from every channel, and its handling."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from disclosure.models import DisclosureItem
from portal import fields
from portal.models import Organization
from portal.workflow import Step, Workflow

# Unambiguous characters only (no 0/O, 1/I/L): codes are read out on the phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


class Feedback(models.Model):
    workflow: ClassVar[Workflow]

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online form")
        HOTLINE = "hotline", _("Hotline")
        LETTER = "letter", _("Letter")
        SUGGESTION_BOX = "box", _("Suggestion box")
        RECEPTION_DAY = "reception", _("Reception day")
        MEETING = "meeting", _("Meeting")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Not accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        REPLIED = "replied", _("Replied")
        CLOSED = "closed", _("Closed")

    organization = fields.organization("feedback")
    item = models.ForeignKey(
        DisclosureItem, verbose_name=_("item"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="feedback",
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices,
                               default=Channel.ONLINE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="feedback",
    )
    name = models.CharField(_("name"), max_length=60, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    body = models.TextField(_("opinion or suggestion"))
    # 异议: an objection to a 公示 during its period; handled like any feedback, and the
    # organization records its conclusion on the item once every objection is handled.
    is_objection = models.BooleanField(_("objection to a publicity item"), default=False)
    # Consent to publication under the item, question and answer apart, given (or renewed)
    # by the submitter at ``consent_at``. What was given before the item reached the public
    # is never published by it: the submitter consented for the readers the item had then.
    allow_publish = models.BooleanField(
        _("the answer may be published under the item"), default=False)
    allow_publish_question = models.BooleanField(
        _("the question may be published under the item"), default=False)
    consent_at = fields.moment(_("publication consent given"))
    # The second look: the one who replied attested the confidentiality check (保密审查) for
    # publishing the question and the answer. Without it nothing of the feedback is
    # published under the item, whatever the submitter consented to.
    confidentiality_checked = models.BooleanField(
        _("confidentiality check for publication attested"), default=False)
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True,
                                     default=new_tracking_code)
    state = fields.state(State, State.RECEIVED, 12)
    received_at = fields.moment(_("received"), now=True)
    due_date = models.DateField(_("reply due"))
    handled_by = fields.person(_("handled by"), optional=True)
    recorded_by = fields.person(_("recorded by"), optional=True)
    rejection_reason = models.TextField(_("reason for not accepting"), blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = fields.moment(_("replied"))
    closed_at = fields.moment(_("closed"))
    # SHA-256 of the submitter's address and the secret key, for rate limiting only.
    address_hash = models.CharField(max_length=64, blank=True, db_index=True)
    history = HistoricalRecords(excluded_fields=["address_hash"])

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["organization", "state"], name="feedback_org"),
                   models.Index(fields=["state", "due_date"], name="feedback_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["received", "accepted", "rejected", "in_progress",
                                        "replied", "closed"]),
                name="feedback_state_valid"),
            models.CheckConstraint(condition=Q(is_objection=False) | Q(item__isnull=False),
                                   name="objection_names_its_item"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} · {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_rejected(self) -> bool:
        return self.state == self.State.REJECTED

    @property
    def is_handled(self) -> bool:
        """Whether the feedback needs nothing more: replied, closed or not accepted."""
        return self.state not in OPEN_STATES

    @property
    def reopenable(self) -> bool:
        """Whether a decision not to accept may still be taken back: not for an objection
        whose item's publicity result, which counted it as handled, is recorded."""
        return not (self.is_objection and self.item is not None
                    and bool(self.item.publicity_result))

    @property
    def kind_label(self) -> str:
        """What the record is called on pages: an objection (异议) or feedback."""
        return str(_("Objection") if self.is_objection else _("Feedback"))

    @property
    def consents_to_publication(self) -> bool:
        return self.allow_publish or self.allow_publish_question

    @property
    def awaits_publication_check(self) -> bool:
        """Whether the confidentiality check for publication may still be attested: the
        feedback is about an item, was answered, and nobody has attested it yet."""
        return bool(self.item_id is not None and self.reply and not self.confidentiality_checked)

    @property
    def consented_but_unchecked(self) -> bool:
        """Whether the submitter consented to publication under the item but nothing is
        published, because the reply was sent without the confidentiality check."""
        return self.consents_to_publication and self.awaits_publication_check

    @property
    def consent_predates_release(self) -> bool:
        """Whether the submitter's consent was given before the item reached the public
        (so that nothing is published until they decide again); the twin of the date
        condition in ``selectors.published_answers``."""
        item = self.item
        return bool(self.consents_to_publication and item is not None
                    and item.public_at is not None and (
                        self.consent_at is None or self.consent_at < item.public_at))


OPEN_STATES = (Feedback.State.RECEIVED, Feedback.State.ACCEPTED, Feedback.State.IN_PROGRESS)

_S = Feedback.State
_NOT_NOW = _("This feedback is %(status)s; that step is not possible.")
# The handling steps; "handle" is the secretaries' rule in ``feedback.permissions``.
Feedback.workflow = Workflow("state", {
    "accept": Step((_S.RECEIVED,), _S.ACCEPTED, "handle", refused=_NOT_NOW,
                   label=_S.ACCEPTED.label),
    "reject": Step((_S.RECEIVED, _S.ACCEPTED), _S.REJECTED, "handle", refused=_NOT_NOW,
                   label=_S.REJECTED.label),
    # Taking back a decision not to accept, taken by mistake: the feedback is accepted
    # after all; the decision and its reason stay in its history and event log.
    "reopen": Step((_S.REJECTED,), _S.ACCEPTED, "handle",
                   refused=_("Only feedback that was not accepted can be reopened; this "
                             "feedback is %(status)s."),
                   label=_("Reopened"), when="reopenable",
                   when_refused=_("The publicity result of the item counted this objection "
                                  "as handled; it cannot be reopened.")),
    "start": Step((_S.ACCEPTED,), _S.IN_PROGRESS, "handle", refused=_NOT_NOW,
                  label=_S.IN_PROGRESS.label),
    "reply": Step((_S.ACCEPTED, _S.IN_PROGRESS), _S.REPLIED, "handle", "replied_at",
                  _NOT_NOW, _S.REPLIED.label),
    "close": Step((_S.REPLIED, _S.REJECTED), _S.CLOSED, "handle", "closed_at", _NOT_NOW,
                  _S.CLOSED.label),
    # The second look given after the reply (forgotten then, or replied before it was
    # asked): the answer is published under the item as far as the submitter consented.
    "check_publication": Step(
        (_S.REPLIED, _S.CLOSED), None, "handle", refused=_NOT_NOW,
        label=_("Confidentiality checked for publication"), when="awaits_publication_check",
        when_refused=_("Nothing of this feedback awaits the confidentiality check for "
                       "publication.")),
}, related=("organization", "item")).contribute(Feedback)


class RectificationOrder(models.Model):
    """限期整改: a supervisor's (or reviewer's) order to fix a finding by a deadline."""

    workflow: ClassVar[Workflow]

    class State(models.TextChoices):
        ORDERED = "ordered", _("Awaiting response")
        RESPONDED = "responded", _("Awaiting verification")
        SENT_BACK = "sent_back", _("Sent back")
        CLOSED = "closed", _("Closed")

    organization = fields.organization("rectifications")
    finding = models.TextField(_("finding"))
    requirement = models.TextField(_("what must be done"), blank=True)
    due_date = models.DateField(_("deadline"))
    state = fields.state(State, State.ORDERED)
    ordered_by = fields.person(_("ordered by"))
    ordered_at = fields.moment(_("ordered"), now=True)
    response = models.TextField(_("response"), blank=True)
    responded_by = fields.person(_("responded by"), optional=True)
    responded_at = fields.moment(_("responded"))
    verification = models.TextField(_("verification"), blank=True)
    verified_by = fields.person(_("verified by"), optional=True)
    closed_at = fields.moment(_("closed"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["-ordered_at", "-pk"]
        indexes = [models.Index(fields=["state", "due_date"], name="rectification_due")]

    def __str__(self) -> str:
        return f"{self.organization} · {self.finding[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:order_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED


_O = RectificationOrder.State
RectificationOrder.workflow = Workflow("state", {
    "respond": Step((_O.ORDERED, _O.SENT_BACK), _O.RESPONDED, "respond", "responded_at",
                    _("This order is not waiting for a response."), _O.RESPONDED.label),
    "close": Step((_O.RESPONDED,), _O.CLOSED, "verify", "closed_at",
                  _("Only a responded order can be verified."), _O.CLOSED.label),
    "send_back": Step((_O.RESPONDED,), _O.SENT_BACK, "verify", None,
                      _("Only a responded order can be verified."), _O.SENT_BACK.label),
}, related=("organization", "ordered_by")).contribute(RectificationOrder)


class Campaign(models.Model):
    """民主评议: members (and, if it says so, the public) rate organizations' disclosure work."""

    workflow: ClassVar[Workflow]

    class Audience(models.TextChoices):
        MEMBERS = "members", _("Party members of each organization")
        EVERYONE = "everyone", _("Members and registered members of the public")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for voting")
        CLOSED = "closed", _("Closed, results published")

    title = models.CharField(_("title"), max_length=150)
    organizations = models.ManyToManyField(Organization, verbose_name=_("organizations"),
                                           related_name="campaigns")
    period_label = models.CharField(_("period evaluated"), max_length=60)
    voters = models.CharField(_("who votes"), max_length=10, choices=Audience.choices,
                              default=Audience.MEMBERS)
    results_public = models.BooleanField(
        _("results visible to the public"), default=False,
        help_text=_("Otherwise the results are shown to members of the organizations."))
    state = fields.state(State, State.DRAFT)
    opened_at = fields.moment(_("opened"))
    closed_at = fields.moment(_("closed"))
    history = HistoricalRecords(m2m_fields=[organizations])

    class Meta:
        verbose_name = _("evaluation campaign")
        verbose_name_plural = _("evaluation campaigns")
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return self.title


_C = Campaign.State
Campaign.workflow = Workflow("state", {
    "open": Step((_C.DRAFT,), _C.OPEN, "manage", "opened_at",
                 _("Only a draft campaign can be opened."), _C.OPEN.label),
    "close": Step((_C.OPEN,), _C.CLOSED, "manage", "closed_at",
                  _("Only an open campaign can be closed."), _C.CLOSED.label),
}).contribute(Campaign)


class Ballot(models.Model):
    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        FAIRLY = "fairly", _("Fairly satisfied")
        UNSATISFIED = "unsatisfied", _("Not satisfied")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ballots")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    # A member's (or registered person's) ballot names the voter; a resident's names the
    # one-time code it was cast with.
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", null=True, blank=True)
    code = models.ForeignKey("feedback.EvaluationCode", verbose_name=_("evaluation code"),
                             on_delete=models.PROTECT, related_name="ballots", null=True,
                             blank=True)
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    cast_at = fields.moment(_("cast"), now=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organization", "voter"],
                                    name="one_ballot_per_voter_and_organization"),
            models.UniqueConstraint(fields=["campaign", "organization", "code"],
                                    name="one_ballot_per_code_and_organization"),
            models.CheckConstraint(condition=Q(voter__isnull=False) | Q(code__isnull=False),
                                   name="ballot_has_voter_or_code"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.organization}"

    @property
    def by_resident(self) -> bool:
        return self.code_id is not None


# 公开承诺, 领导点评 and residents' one-time evaluation codes.
from .models_commitments import Commitment, EvaluationCode, LeaderComment  # noqa: E402, F401
from .models_supervision import *  # noqa: E402, F403 - the supervision group's models
