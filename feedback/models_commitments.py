"""公开承诺, 领导点评 and the one-time codes with which residents without accounts evaluate."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal import fields
from portal.workflow import Step, Workflow


class Commitment(models.Model):
    """公开承诺: an organization's yearly public commitment, signed by its secretary (its
    first responsible person). A published one is never edited: a new version supersedes
    it and the old one stays readable as history."""

    workflow: ClassVar[Workflow]

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded by a new version")

    class Audience(models.TextChoices):
        MEMBERS = "members", _("The organization's members")
        PUBLIC = "public", _("The public")

    organization = fields.organization("commitments")
    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("commitment"))
    audience = models.CharField(_("published to"), max_length=10, choices=Audience.choices,
                                default=Audience.PUBLIC)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self", verbose_name=_("supersedes"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="superseded_by")
    state = fields.state(State, State.DRAFT)
    drafted_by = fields.person(_("drafted by"))
    drafted_at = fields.moment(_("drafted"), now=True)
    signed_by = fields.person(_("signed by"), optional=True)
    signed_name = models.CharField(_("signed name"), max_length=80, blank=True)
    signed_at = fields.moment(_("signed and published"))
    superseded_at = fields.moment(_("superseded"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("public commitment")
        verbose_name_plural = _("public commitments")
        ordering = ["-year", "organization__path", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"],
                                    condition=Q(state="published"),
                                    name="one_published_commitment_per_year"),
            models.UniqueConstraint(fields=["organization", "year", "version"],
                                    name="commitment_version_unique"),
            models.CheckConstraint(condition=Q(state__in=["draft", "published", "superseded"]),
                                   name="commitment_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.year} · v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:commitment_detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.audience == self.Audience.PUBLIC


_M = Commitment.State
Commitment.workflow = Workflow("state", {
    "edit": Step((_M.DRAFT,), None, "draft",
                 refused=_("Only a draft can be edited; publish a new version instead.")),
    "publish": Step((_M.DRAFT,), _M.PUBLISHED, "sign", "signed_at",
                    _("Only a draft can be signed and published."), _M.PUBLISHED.label),
    "revise": Step((_M.PUBLISHED,), None, "draft",
                   refused=_("Only the published commitment can be revised.")),
    "supersede": Step((_M.PUBLISHED,), _M.SUPERSEDED, "draft", "superseded_at",
                      _("Only a published commitment can be superseded."),
                      _M.SUPERSEDED.label),
}, related=("organization",)).contribute(Commitment)


class LeaderComment(models.Model):
    """领导点评: the superior organization's comment on an organization's disclosure work in
    a year, published with the organization's commitment or kept among the officers."""

    workflow: ClassVar[Workflow]

    class State(models.TextChoices):
        INTERNAL = "internal", _("Kept among the officers")
        PUBLISHED = "published", _("Published with the commitment")

    organization = fields.organization("leader_comments")
    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("comment"))
    state = fields.state(State, State.INTERNAL)
    author = fields.person(_("commented by"))
    author_name = models.CharField(_("signed name"), max_length=80, blank=True)
    commented_at = fields.moment(_("commented"), now=True)
    published_at = fields.moment(_("published"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("leader's comment")
        verbose_name_plural = _("leaders' comments")
        ordering = ["-year", "-commented_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["internal", "published"]),
                                   name="leader_comment_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.year} · {self.author_name}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:comment_detail", args=[self.pk])


_L = LeaderComment.State
LeaderComment.workflow = Workflow("state", {
    "publish": Step((_L.INTERNAL,), _L.PUBLISHED, "comment", "published_at",
                    _("This comment is already published."), _L.PUBLISHED.label),
    "unpublish": Step((_L.PUBLISHED,), _L.INTERNAL, "comment", None,
                      _("This comment is not published."), _L.INTERNAL.label),
}, related=("organization",)).contribute(LeaderComment)


# Unambiguous characters only (no 0/O, 1/I/L): codes are typed in from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_evaluation_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What the resident typed, without spaces and dashes, in capitals."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -\t")[:40]


def hash_code(code: str) -> str:
    """The stored form of a code: an HMAC with the secret key (the code is never stored)."""
    return hmac.new(settings.SECRET_KEY.encode(), normalize_code(code).encode(),
                    hashlib.sha256).hexdigest()


def shown_code(code: str) -> str:
    """A code as printed: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


class EvaluationCode(models.Model):
    """A one-time code printed on paper: it casts one ballot per organization of its
    campaign, once. Only its hash is stored."""

    campaign = models.ForeignKey("feedback.Campaign", verbose_name=_("campaign"),
                                 on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    batch = models.PositiveIntegerField(_("batch"), default=1)
    created_by = fields.person(_("generated by"))
    created_at = fields.moment(_("generated"), now=True)
    used_at = fields.moment(_("used"))
    history = HistoricalRecords(excluded_fields=["code_hash"])

    class Meta:
        verbose_name = _("evaluation code")
        verbose_name_plural = _("evaluation codes")
        ordering = ["campaign", "batch", "pk"]

    def __str__(self) -> str:
        return f"{self.campaign} · #{self.pk}"
