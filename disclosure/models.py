"""Disclosure items, their attachments and the record of every decision on them."""

from __future__ import annotations

import datetime as dt
import secrets
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from catalog.models import (
    Carrier,
    CatalogEntry,
    Category,
    DisclosureRules,
    Duration,
    PartyAudience,
    PublicAudience,
)
from portal import fields
from portal.models import Decision, EvidenceFile
from portal.workflow import Step, Workflow, decision_steps

from .text import render_body


class TSVectorField(models.Field):
    """A PostgreSQL ``tsvector`` column (plain text elsewhere), written by ``search.reindex``."""

    description = "Full-text search vector"

    def db_type(self, connection) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


@TSVectorField.register_lookup
class Matches(models.Lookup):
    """``search_vector__matches=<tsquery literal>``: the full-text match, written against
    whatever alias the table has in the query (also inside subqueries)."""

    lookup_name = "matches"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @@ ({rhs})::tsquery", [*lhs_params, *rhs_params]


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")
    INTERNAL = "internal", _("Published within the party")
    PUBLIC = "public", _("Published to the public")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TERMINATED = "terminated", _("Terminated")
    ARCHIVED = "archived", _("Archived")


# States in which the item's audiences read it: released, and (after its release) expired,
# terminated or archived as a past disclosure. A withdrawn (撤销) item keeps only a notice.
PUBLISHED_STATES = (State.INTERNAL, State.PUBLIC, State.EXPIRED, State.WITHDRAWN,
                    State.TERMINATED, State.ARCHIVED)
# States in which an item that reached beyond the party stays readable there.
REACHED_STATES = (State.PUBLIC, State.EXPIRED, State.TERMINATED, State.ARCHIVED)
# States a reviewer of the parent organization has had in hand.
REVIEWED_STATES = (State.SUBMITTED, State.RETURNED, State.APPROVED, *PUBLISHED_STATES)


class PublicityResult(models.TextChoices):
    """The recorded result of a 公示 (a short-term item's display period); empty until then."""

    NO_OBJECTION = "no_objection", _("No objection")
    OBJECTIONS_HANDLED = "objections_handled", _("Objections handled")


def awaiting_conclusion_q(prefix: str = "") -> Q:
    """Return the filter for expired 公示 items whose objections still await the
    organization's conclusion; the twin of ``DisclosureItem.awaits_publicity_conclusion``."""
    return Q(**{f"{prefix}state": State.EXPIRED, f"{prefix}publicity_result": "",
                f"{prefix}publicity_conclusion_due__isnull": False})


def archivable_q(prefix: str = "") -> Q:
    """Return the filter for items whose 公示 does not hold up archiving: not a 公示 whose
    period has started and that has not expired yet (it closes by expiring, which records
    its result), and not one awaiting its conclusion; the twin of
    ``DisclosureItem.may_be_archived``."""
    on_display = Q(**{f"{prefix}duration": Duration.SHORT,
                      f"{prefix}state__in": [State.INTERNAL, State.PUBLIC],
                      f"{prefix}display_until__isnull": False})
    return ~on_display & ~awaiting_conclusion_q(prefix)


class DisclosureItem(DisclosureRules):
    """One disclosed matter of one organization, from draft to public release.

    Its rules (``DisclosureRules``) start as its catalog entry's: who reads it within the
    party, who beyond it after the lead time, how long it stays and when it is due."""

    workflow: ClassVar[Workflow]

    organization = fields.organization("items")
    entry = models.ForeignKey(
        CatalogEntry, verbose_name=_("catalog entry"), on_delete=models.PROTECT,
        related_name="items",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), help_text=_("Markdown; HTML is removed."))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    range_organizations = models.ManyToManyField(
        "portal.Organization", verbose_name=_("range: members of these organizations"),
        blank=True, related_name="ranged_items")
    previous_stage = models.ForeignKey(
        "self", verbose_name=_("previous stage"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="next_stages",
        help_text=_("For a matter disclosed in stages (阶段性公开): the stage before this one."))
    event_date = models.DateField(_("event date"), null=True, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    display_until = models.DateField(_("display until"), null=True, blank=True)
    state = fields.state(State, State.DRAFT, 12)
    created_by = fields.person(_("created by"))
    created_at = fields.moment(_("created"), now=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = fields.moment(_("submitted"))
    approved_at = fields.moment(_("approved"))
    internal_at = fields.moment(_("published within the party"))
    planned_public_at = fields.moment(_("planned public release"))
    public_at = fields.moment(_("published to the public"))
    closed_at = fields.moment(_("expired or withdrawn"))
    # Set by an approved 撤销 and kept when the item is archived: its content stays down.
    withdrawn_at = fields.moment(_("withdrawn"))
    archived_at = fields.moment(_("archived"))
    # The 公示 result: no objection (recorded by the scheduler when the period ends), or the
    # organization's conclusion once the objections raised have been handled.
    publicity_result = models.CharField(_("publicity result"), max_length=20, blank=True,
                                        default="", choices=PublicityResult.choices)
    publicity_conclusion = models.TextField(_("conclusion on the objections"), blank=True)
    publicity_conclusion_due = models.DateField(_("conclusion due"), null=True, blank=True)
    publicity_concluded_at = fields.moment(_("publicity result recorded"))
    publicity_concluded_by = fields.person(_("publicity result recorded by"), optional=True)
    # The annual plan (年度党务公开工作方案) of a catalog the organization issues, for a year:
    # marked by the issuer's secretaries, one item per catalog and year.
    plan_of = models.ForeignKey(
        "catalog.Catalog", verbose_name=_("annual plan of the catalog"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="plans")
    plan_year = models.PositiveSmallIntegerField(_("plan year"), null=True, blank=True)
    search_vector = TSVectorField(null=True, editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at", "search_vector"])

    class Meta:
        verbose_name = _("disclosure item")
        verbose_name_plural = _("disclosure items")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["state", "-public_at"], name="item_public_feed"),
            models.Index(fields=["organization", "state", "-updated_at"], name="item_org"),
            models.Index(fields=["state", "planned_public_at"], name="item_planned"),
            # Lists walk this newest first and stop after a page, whoever is reading.
            models.Index(fields=["-internal_at", "-id"], name="item_browse",
                         condition=Q(state__in=["internal", "public"])),
            # What everyone reads, newest first (visibility.public_q): the home page's latest,
            # the API's list and the feeds stop after a page of it.
            models.Index(fields=["-public_at", "-id"], name="item_public_newest",
                         condition=Q(state__in=[s.value for s in REACHED_STATES],
                                     public_at__isnull=False,
                                     public_audience="society", withdrawn_at__isnull=True)),
        ]
        constraints = [
            *DisclosureRules.Meta.constraints,
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="item_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="public") | ~Q(public_audience="none"),
                name="intra_party_items_never_public",
            ),
            models.CheckConstraint(
                condition=~Q(state="public")
                | Q(internal_at__isnull=False, public_at__isnull=False),
                name="public_items_were_internal_first",
            ),
            models.CheckConstraint(
                condition=Q(publicity_result__in=["", *PublicityResult.values]),
                name="item_publicity_result_valid",
            ),
            models.CheckConstraint(
                condition=~Q(publicity_result=PublicityResult.OBJECTIONS_HANDLED)
                | ~Q(publicity_conclusion=""),
                name="objections_handled_with_conclusion",
            ),
            models.CheckConstraint(
                condition=Q(plan_of__isnull=True, plan_year__isnull=True)
                | Q(plan_of__isnull=False, plan_year__isnull=False),
                name="item_plan_has_year",
            ),
            models.UniqueConstraint(
                fields=["plan_of", "plan_year"], condition=Q(plan_of__isnull=False),
                name="one_plan_per_catalog_year",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("disclosure:item_detail", args=[self.pk])

    @cached_property
    def body_html(self) -> str:
        return render_body(self.body)

    def allows(self, action: str) -> bool:
        """Return whether the item's state allows ``action`` (the table, not the right)."""
        return self.workflow.state_allows(self, action)

    def earliest_public_at(self):
        """Return the first moment the item may be released to the public, or None."""
        if not self.goes_public or self.internal_at is None:
            return None
        return self.internal_at + timedelta(days=self.entry.lead_days)

    def can_go_public_now(self, now=None) -> bool:
        earliest = self.earliest_public_at()
        return (
            self.state == State.INTERNAL
            and earliest is not None
            and (now or timezone.now()) >= earliest
        )

    # Read-only predicates for pages, so that templates never compare states.
    @property
    def is_public(self) -> bool:
        return self.state == State.PUBLIC

    @property
    def is_intra_party(self) -> bool:
        """Whether the item is released within the party and not (yet) beyond it."""
        return self.state == State.INTERNAL

    @property
    def awaits_review(self) -> bool:
        return self.state == State.SUBMITTED

    @property
    def takes_feedback(self) -> bool:
        return self.state in (State.INTERNAL, State.PUBLIC)

    @property
    def stays_within_party(self) -> bool:
        """Whether the item is released within the party and its scope ends there."""
        return self.is_intra_party and not self.goes_public

    @property
    def badge(self) -> tuple[str, str]:
        """Return the CSS class and label of the item's state badge."""
        if self.is_public and not self.reaches_society:
            return "internal", str(_("Within the unit"))
        if self.is_public:
            return "public", str(_("Public"))
        if self.is_intra_party:
            return "internal", str(_("Intra-party"))
        return f"state-{self.state}", str(self.get_state_display())

    @property
    def reached_beyond_party(self) -> bool:
        """Whether the item was released to its audience beyond the party."""
        return self.public_at is not None

    @property
    def reaches_society(self) -> bool:
        return self.public_audience == PublicAudience.SOCIETY

    @property
    def is_withdrawn(self) -> bool:
        """Whether an approved 撤销 took the content down (archived afterwards or not)."""
        return self.withdrawn_at is not None

    @property
    def is_terminated(self) -> bool:
        return self.state == State.TERMINATED

    @property
    def is_past(self) -> bool:
        """Whether the item is a past disclosure: expired, terminated or archived."""
        return self.state in (State.EXPIRED, State.TERMINATED, State.ARCHIVED)

    def named_organizations(self) -> list[str]:
        if self.pk is None:
            return []
        return [org.name for org in self.range_organizations.all()]

    # The 公示 (the display period of a short-term item) and its objections.
    @property
    def publicity_running(self) -> bool:
        """Whether the item's 公示 is on: a short-term item released and not yet expired
        (only the scheduler's expiry after ``display_until`` ends it)."""
        return self.is_short_term and self.state in (State.INTERNAL, State.PUBLIC)

    @property
    def publicity_awaits_release(self) -> bool:
        """Whether the 公示 starts only when the item is released beyond the party; its
        intra-party readers may object already."""
        return self.publicity_running and self.display_until is None and self.goes_public

    def publicity_start(self) -> dt.date | None:
        """Return the first day of the 公示: the release to the item's widest audience."""
        if not self.is_short_term or self.display_until is None:
            return None
        released = self.public_at if self.goes_public else self.internal_at
        return timezone.localdate(released) if released is not None else None

    def takes_objections(self, today: dt.date | None = None) -> bool:
        """Return whether objections may be raised on ``today``: during the 公示 period, or
        before it while the item waits for its release beyond the party."""
        if not self.publicity_running:
            return False
        if self.display_until is None:
            return self.publicity_awaits_release
        return (today or timezone.localdate()) <= self.display_until

    @property
    def objections_open(self) -> bool:
        return self.takes_objections()

    @property
    def awaits_publicity_result(self) -> bool:
        """Whether an expired 公示 has no result yet and no objection pending a conclusion:
        the scheduler records "no objection" for it."""
        return (self.is_short_term and self.state == State.EXPIRED
                and not self.publicity_result and self.publicity_conclusion_due is None)

    @property
    def awaits_publicity_conclusion(self) -> bool:
        """Whether the 公示 ended with objections and the organization's conclusion is
        still missing; the twin of :func:`awaiting_conclusion_q`."""
        return (self.state == State.EXPIRED and not self.publicity_result
                and self.publicity_conclusion_due is not None)

    @property
    def had_no_objection(self) -> bool:
        return self.publicity_result == PublicityResult.NO_OBJECTION

    @property
    def had_objections_handled(self) -> bool:
        return self.publicity_result == PublicityResult.OBJECTIONS_HANDLED

    @property
    def may_be_archived(self) -> bool:
        """Whether the 公示 lets the item be archived: not once its period has started until
        the scheduler has expired it (which records the result), nor while its objections
        await a conclusion; the twin of :func:`archivable_q`. (A 公示 still waiting for its
        release beyond the party has no period yet and may be filed as it is.)"""
        return not (self.publicity_running and self.display_until is not None) and (
            not self.awaits_publicity_conclusion)

    def stages(self) -> list[DisclosureItem]:
        """Return the chain of stages this item belongs to, first stage first (at most 50
        steps back, so that a broken chain cannot loop)."""
        first: DisclosureItem = self
        for _step in range(50):
            if first.previous_stage is None:
                break
            first = first.previous_stage
        chain, current = [first], first
        for _step in range(50):
            following = current.next_stages.order_by("pk").first()
            if following is None:
                break
            chain.append(following)
            current = following
        return chain if len(chain) > 1 else []

    @property
    def published_at(self):
        return self.public_at or self.internal_at

    @property
    def has_public_plan(self) -> bool:
        """Whether a date is planned on which the scheduler releases the item beyond the
        party (a plan that may be cancelled)."""
        return self.planned_public_at is not None


class DisclosureItemUserObjectPermission(UserObjectPermissionBase):
    """Per-item grants to one person, e.g. an answer to an on-request application."""

    content_object = models.ForeignKey(DisclosureItem, on_delete=models.CASCADE)


class DisclosureItemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(DisclosureItem, on_delete=models.CASCADE)


def attachment_path(instance: Attachment, filename: str) -> str:
    """Return a random storage name: nothing of the uploaded name reaches the disk."""
    today = timezone.localdate()
    return f"attachments/{today:%Y/%m}/{secrets.token_hex(16)}{instance.extension}"


class Attachment(models.Model):
    item = models.ForeignKey(
        DisclosureItem, verbose_name=_("item"), on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(_("extension"), max_length=10)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256 digest"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = fields.moment(_("uploaded"), now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def download_name(self) -> str:
        return self.original_name


class Review(models.Model):
    """One decision or transition on an item: who, what, when and why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted for review")
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Returned for revision")
        PUBLISH_INTERNAL = "publish_internal", _("Published within the party")
        PLAN_PUBLIC = "plan_public", _("Planned public release")
        CANCEL_PLAN = "cancel_plan", _("Planned public release cancelled")
        RELEASE_PUBLIC = "release_public", _("Published to the public")
        EXPIRE = "expire", _("Expired")
        ARCHIVE = "archive", _("Archived")
        CHANGE = "change", _("Changed by approved request")
        WITHDRAW = "withdraw", _("Withdrawn by approved request")
        TERMINATE = "terminate", _("Terminated by approved request")
        NO_OBJECTION = "no_objection", _("Publicity period ended: no objection")
        CONCLUDE_PUBLICITY = "conclude_publicity", _("Publicity result: objections handled")

    item = models.ForeignKey(
        DisclosureItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="reviews"
    )
    actor = fields.person(_("by"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    comment = models.TextField(_("comment"), blank=True)
    confidentiality_checked = models.BooleanField(
        _("confidentiality check attested"), default=False
    )
    created_at = fields.moment(_("time"), now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["actor", "-created_at"], name="review_actor_recent")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.item}"


class Obligation(models.Model):
    """What an organization owes under one catalog entry for one period or event."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ON_TIME = "on_time", _("Fulfilled on time")
        LATE = "late", _("Fulfilled late")
        OVERDUE = "overdue", _("Overdue")
        FILED = "filed", _("Filed as not disclosable")

    entry = models.ForeignKey(
        CatalogEntry, verbose_name=_("catalog entry"), on_delete=models.PROTECT,
        related_name="obligations",
    )
    organization = fields.organization("obligations")
    # The period for periodic entries; for timely entries both are the event date.
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_date = models.DateField(_("due date"))
    state = fields.state(State, State.OPEN)
    draft = models.OneToOneField(
        DisclosureItem, verbose_name=_("prepared draft"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="prepared_for",
    )
    fulfilled_by = models.ForeignKey(
        DisclosureItem, verbose_name=_("fulfilled by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="fulfilled_obligations",
    )
    fulfilled_at = fields.moment(_("fulfilled"))
    created_at = fields.moment(_("created"), now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["state", "due_date"], name="obligation_due"),
            models.Index(fields=["organization", "due_date"], name="obligation_org"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "organization", "period_start"],
                name="one_obligation_per_entry_org_period",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "on_time", "late", "overdue", "filed"]),
                name="obligation_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.entry.title} · {self.period_start}"

    @property
    def is_pending(self) -> bool:
        return self.state in (self.State.OPEN, self.State.OVERDUE)

    @property
    def is_done(self) -> bool:
        return self.state in (self.State.ON_TIME, self.State.LATE, self.State.FILED)


class NonDisclosureFiling(Decision):
    """暂不公开备案: an obligation that cannot be disclosed for now, filed with the parent.

    The filing says until when: a date (``until``), a condition, or both. Once acknowledged
    it holds the obligation as filed until the date has passed (the filing lapses by
    itself) or the organization ends it; either way the obligation is due again."""

    workflow: ClassVar[Workflow]

    class State(models.TextChoices):
        FILED = "filed", _("Awaiting acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RETURNED = "returned", _("Returned")
        LAPSED = "lapsed", _("Lapsed")
        ENDED = "ended", _("Ended")

    obligation = models.ForeignKey(
        Obligation, verbose_name=_("obligation"), on_delete=models.PROTECT,
        related_name="filings",
    )
    reason = models.TextField(_("reason"))
    until = models.DateField(_("not disclosed until"), null=True, blank=True)
    condition = models.CharField(_("not disclosed until (condition)"), max_length=200,
                                 blank=True)
    state = fields.state(State, State.FILED, 12)
    filed_by = fields.person(_("filed by"))
    filed_at = fields.moment(_("filed"), now=True)
    ended_at = fields.moment(_("ended"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("non-disclosure filing")
        verbose_name_plural = _("non-disclosure filings")
        ordering = ["-filed_at", "-pk"]
        constraints = [fields.one_open("obligation", "filed", "one_open_filing_per_obligation")]
        indexes = [models.Index(fields=["state", "until"], name="filing_until")]

    def __str__(self) -> str:
        return f"{self.obligation} · {self.get_state_display()}"

    def get_absolute_url(self) -> str:
        return reverse("disclosure:filing_detail", args=[self.pk])

    @property
    def is_awaiting(self) -> bool:
        """Whether the parent has yet to acknowledge or return it."""
        return self.state == self.State.FILED


class DisclosureRequest(models.Model):
    """依申请公开: a member's application for a party affair to be disclosed.

    The organization answers in one of four ways: it discloses a new matter (a draft item
    made for the application, reviewed like any item; the application is answered when the
    item is published within the party), hands over an item already published, defers
    the disclosure (暂缓公开) until a date, or declines. Every answer is filed with the
    reviewers of the organization's work."""

    workflow: ClassVar[Workflow]

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting answer")
        DISCLOSING = "disclosing", _("Disclosure being drafted")
        DEFERRED = "deferred", _("Deferred")
        DISCLOSED_TO_APPLICANT = "applicant", _("Disclosed to the applicant")
        DISCLOSED_TO_SCOPE = "scope", _("Disclosed within a scope")
        DECLINED = "declined", _("Declined")

    organization = fields.organization("requests")
    applicant = fields.person(_("applicant"), related_name="disclosure_requests")
    subject = models.CharField(_("what to disclose"), max_length=200)
    reason = models.TextField(_("why it is needed"), blank=True)
    state = fields.state(State, State.SUBMITTED)
    submitted_at = fields.moment(_("submitted"), now=True)
    due_date = models.DateField(_("answer due"))
    item = models.ForeignKey(DisclosureItem, verbose_name=_("disclosed item"), null=True,
                             blank=True, on_delete=models.PROTECT, related_name="requests")
    scope_role = models.CharField(_("disclosed to the role"), max_length=20, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    deferred_until = models.DateField(_("deferred until"), null=True, blank=True)
    deferral_reason = models.TextField(_("reason for deferring"), blank=True)
    answered_by = fields.person(_("answered by"), optional=True)
    answered_at = fields.moment(_("answered"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("disclosure request")
        verbose_name_plural = _("disclosure requests")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["state", "due_date"], name="request_due")]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("disclosure:request_detail", args=[self.pk])

    # Read-only predicates for pages, so that templates never compare states.
    @property
    def awaits_answer(self) -> bool:
        return self.state == self.State.SUBMITTED

    @property
    def is_drafting(self) -> bool:
        """Whether a new matter is being drafted as the answer (not yet published)."""
        return self.state == self.State.DISCLOSING

    @property
    def is_deferred(self) -> bool:
        return self.state == self.State.DEFERRED

    @property
    def is_answered(self) -> bool:
        """Whether the organization has answered: disclosed, declined or deferred."""
        return self.state in ANSWERED_REQUEST_STATES

    @property
    def draft_published_for_applicant(self) -> bool:
        """Whether the item drafted as the answer is published and names no one within the
        party: the applicant alone reads it, by a grant."""
        return self._draft_published() and not _names_someone(self.item)

    @property
    def draft_published_for_range(self) -> bool:
        """Whether the item drafted as the answer is published to its own intra-party
        audience (the organization, its subtree or a named range)."""
        return self._draft_published() and _names_someone(self.item)

    def _draft_published(self) -> bool:
        return self.item is not None and self.item.state in PUBLISHED_STATES


def _names_someone(item: DisclosureItem | None) -> bool:
    """Return whether an item's intra-party audience names anyone (a named range with no
    flags and no organizations names no one: only an item answering an application for the
    applicant alone has one)."""
    return item is not None and (
        item.party_audience != PartyAudience.RANGE or item.range_leadership
        or item.range_cadres or item.range_organizations.exists())


class ChangeRequest(Decision):
    """变更、撤销、终止: a published item changes only through a request approved by the
    organization that set the catalog; the explanation is published with the item."""

    workflow: ClassVar[Workflow]

    class Kind(models.TextChoices):
        CHANGE = "change", _("Change (new version)")
        WITHDRAW = "withdraw", _("Withdraw")
        TERMINATE = "terminate", _("Terminate")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by the requester")

    item = models.ForeignKey(DisclosureItem, verbose_name=_("item"), on_delete=models.CASCADE,
                             related_name="change_requests")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The item's text when the change was requested: what the approver compares the proposal
    # with, and what the request still shows once the item carries the new version.
    old_title = models.CharField(_("title when requested"), max_length=200, blank=True)
    old_body = models.TextField(_("body when requested"), blank=True)
    new_title = models.CharField(_("new title"), max_length=200, blank=True)
    new_body = models.TextField(_("new body"), blank=True)
    explanation = models.TextField(_("explanation to publish"))
    state = fields.state(State, State.SUBMITTED)
    requested_by = fields.person(_("requested by"))
    requested_at = fields.moment(_("requested"), now=True)
    withdrawn_at = fields.moment(_("withdrawn"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            fields.one_open("item", "submitted", "one_open_change_request_per_item")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.item}"

    def get_absolute_url(self) -> str:
        return reverse("disclosure:change_detail", args=[self.pk])


class WorkPlan(Decision, DisclosureRules):
    """目录外事项: a matter outside the catalog needs a work plan approved by the
    catalog-setting organization before an item can be drafted for it."""

    workflow: ClassVar[Workflow]

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    organization = fields.organization("work_plans")
    title = models.CharField(_("matter to disclose"), max_length=150)
    plan = models.TextField(_("work plan"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    catalog = models.ForeignKey("catalog.Catalog", verbose_name=_("catalog"),
                                on_delete=models.PROTECT, related_name="work_plans")
    entry = models.OneToOneField(CatalogEntry, verbose_name=_("catalog entry"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="work_plan")
    state = fields.state(State, State.SUBMITTED)
    submitted_by = fields.person(_("submitted by"))
    submitted_at = fields.moment(_("submitted"), now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("out-of-catalog work plan")
        verbose_name_plural = _("out-of-catalog work plans")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            *DisclosureRules.Meta.constraints,
            models.CheckConstraint(condition=~Q(frequency="periodic"),
                                   name="work_plan_not_periodic"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("disclosure:plan_detail", args=[self.pk])


def _record_review(item, actor, action: str, comment: str, extra) -> None:
    from portal.system import system_user

    Review.objects.create(item=item, actor=actor or system_user(), action=action,
                          comment=comment,
                          confidentiality_checked=extra.get("confidentiality_checked", False))


S = State
_PUBLISHED_NOW = (S.INTERNAL, S.PUBLIC)
_A = Review.Action

# The item workflow: the one table of who may do what from which state. The rules named
# here ("manage", "review", "approve_change") are defined in ``disclosure.visibility``.
DisclosureItem.workflow = Workflow("state", {
    "edit": Step((S.DRAFT, S.RETURNED), rule="manage",
                 refused=_("Only a draft or a returned item can be edited.")),
    "discard": Step((S.DRAFT,), rule="manage", refused=_("Only a draft can be discarded.")),
    "submit": Step((S.DRAFT, S.RETURNED), S.SUBMITTED, "manage", "submitted_at",
                   _("Only a draft or a returned item can be submitted."), _A.SUBMIT.label),
    "approve": Step((S.SUBMITTED,), S.APPROVED, "review", "approved_at",
                    _("Only a submitted item can be approved."), _A.APPROVE.label),
    "return": Step((S.SUBMITTED,), S.RETURNED, "review", None,
                   _("Only a submitted item can be returned."), _A.RETURN.label),
    "publish_internal": Step((S.APPROVED,), S.INTERNAL, "manage", "internal_at",
                             _("Only an approved item can be published."),
                             _A.PUBLISH_INTERNAL.label),
    "plan_public": Step((S.APPROVED, S.INTERNAL), None, "manage", None,
                        _("Only an approved or internal item can be planned."),
                        _A.PLAN_PUBLIC.label, when="goes_public",
                        when_refused=_("This item is disclosed within the party only.")),
    # Taking the plan back: the item stays where it is and may be planned again.
    "cancel_plan": Step((S.APPROVED, S.INTERNAL), None, "manage", None,
                        _("Only an approved or internal item has a plan to cancel."),
                        _A.CANCEL_PLAN.label, when="has_public_plan",
                        when_refused=_("No public release is planned for this item.")),
    "release_public": Step((S.INTERNAL,), S.PUBLIC, "manage", "public_at",
                           _("Only an item published within the party can go public."),
                           _A.RELEASE_PUBLIC.label, when="goes_public",
                           when_refused=_("This item is disclosed within the party only.")),
    "expire": Step(_PUBLISHED_NOW, S.EXPIRED, "", "closed_at", label=_A.EXPIRE.label),
    "request_change": Step(_PUBLISHED_NOW, rule="manage",
                           refused=_("Only a published item can be changed or withdrawn.")),
    "change": Step(_PUBLISHED_NOW, None, "approve_change", None,
                   _("The item is no longer published."), _A.CHANGE.label),
    "withdraw": Step(_PUBLISHED_NOW, S.WITHDRAWN, "approve_change", "closed_at",
                     _("The item is no longer published."), _A.WITHDRAW.label),
    "terminate": Step(_PUBLISHED_NOW, S.TERMINATED, "approve_change", "closed_at",
                      _("The item is no longer published."), _A.TERMINATE.label),
    "archive": Step((*_PUBLISHED_NOW, S.EXPIRED, S.WITHDRAWN, S.TERMINATED), S.ARCHIVED,
                    "manage", "archived_at",
                    _("Only a published, expired, withdrawn or terminated item can be "
                      "archived."),
                    _A.ARCHIVE.label, when="may_be_archived",
                    when_refused=_("A publicity item is archived after its period has ended "
                                   "and, if objections were raised, once the organization's "
                                   "conclusion on them is recorded.")),
    # The 公示 result: "no objection" by the scheduler when the period ends without one;
    # otherwise the organization's conclusion once every objection has been handled.
    "no_objection": Step((S.EXPIRED,), None, "", "publicity_concluded_at",
                         label=_A.NO_OBJECTION.label, when="awaits_publicity_result"),
    "conclude_publicity": Step((S.EXPIRED,), None, "manage", "publicity_concluded_at",
                               _("The result of a publicity period is recorded after the "
                                 "period has ended."),
                               _A.CONCLUDE_PUBLICITY.label,
                               when="awaits_publicity_conclusion",
                               when_refused=_("This item has no objections awaiting a "
                                              "conclusion.")),
}, related=("entry", "organization"), recorder=_record_review).contribute(DisclosureItem)

_F = NonDisclosureFiling.State
# A filing's deferral ends when its date has passed ("lapse", the scheduler only) or when
# the organization ends it ("end"); both make the obligation due again.
NonDisclosureFiling.workflow = Workflow("state", {
    **decision_steps(_F.FILED, _F.ACKNOWLEDGED, _F.RETURNED,
                     _("This filing has been decided already."), ("acknowledge", "return")),
    "lapse": Step((_F.ACKNOWLEDGED,), _F.LAPSED, "", "ended_at", label=_F.LAPSED.label),
    "end": Step((_F.ACKNOWLEDGED,), _F.ENDED, "end", "ended_at",
                _("Only an acknowledged filing still in force can be ended."),
                _F.ENDED.label),
}, related=("obligation", "obligation__organization")).contribute(NonDisclosureFiling)

_R = DisclosureRequest.State
# The states in which the organization has answered; each such answer is filed with the
# reviewers of its work. A deferral is an answer until its date comes.
ANSWERED_REQUEST_STATES = (_R.DISCLOSED_TO_APPLICANT, _R.DISCLOSED_TO_SCOPE, _R.DECLINED,
                           _R.DEFERRED)
_ANSWERED = _("This application is no longer awaiting an answer (now: %(status)s).")
_DRAFT_UNPUBLISHED = _("The item drafted as the answer is not published yet.")

# The application workflow. Every answer starts from "awaiting answer": handing over a
# published item, deferring, declining, or drafting a new matter, which answers the
# application when the item is published within the party ("publish_to_…", called by
# ``item_publish_internal``). A deferral becomes due again on its date ("resume", the
# scheduler); discarding the draft of a new matter reopens the application.
DisclosureRequest.workflow = Workflow("state", {
    "disclose_to_applicant": Step((_R.SUBMITTED,), _R.DISCLOSED_TO_APPLICANT, "answer",
                                  "answered_at", _ANSWERED, _R.DISCLOSED_TO_APPLICANT.label),
    "disclose_to_scope": Step((_R.SUBMITTED,), _R.DISCLOSED_TO_SCOPE, "answer", "answered_at",
                              _ANSWERED, _R.DISCLOSED_TO_SCOPE.label),
    "decline": Step((_R.SUBMITTED,), _R.DECLINED, "answer", "answered_at", _ANSWERED,
                    _R.DECLINED.label),
    "defer": Step((_R.SUBMITTED,), _R.DEFERRED, "answer", "answered_at", _ANSWERED,
                  _R.DEFERRED.label),
    "draft": Step((_R.SUBMITTED,), _R.DISCLOSING, "answer", None, _ANSWERED,
                  _R.DISCLOSING.label),
    "publish_to_applicant": Step((_R.DISCLOSING,), _R.DISCLOSED_TO_APPLICANT, "answer",
                                 "answered_at", _ANSWERED, _R.DISCLOSED_TO_APPLICANT.label,
                                 when="draft_published_for_applicant",
                                 when_refused=_DRAFT_UNPUBLISHED),
    "publish_to_scope": Step((_R.DISCLOSING,), _R.DISCLOSED_TO_SCOPE, "answer", "answered_at",
                             _ANSWERED, _R.DISCLOSED_TO_SCOPE.label,
                             when="draft_published_for_range",
                             when_refused=_DRAFT_UNPUBLISHED),
    "drop_draft": Step((_R.DISCLOSING,), _R.SUBMITTED, "answer", None,
                       _("No draft is being prepared for this application."),
                       _("Draft discarded")),
    "resume": Step((_R.DEFERRED,), _R.SUBMITTED, "", None,
                   _("Only a deferred application becomes due again."),
                   _("Deferral ended: awaiting answer")),
}, related=("organization", "applicant", "item")).contribute(DisclosureRequest)

_C = ChangeRequest.State
ChangeRequest.workflow = Workflow("state", {
    **decision_steps(_C.SUBMITTED, _C.APPROVED, _C.REJECTED,
                     _("This request has been decided already.")),
    "withdraw": Step((_C.SUBMITTED,), _C.WITHDRAWN, "withdraw", "withdrawn_at",
                     _("Only a request awaiting approval can be withdrawn."), _C.WITHDRAWN.label),
}, related=("item__organization", "item__entry__catalog")).contribute(ChangeRequest)

_W = WorkPlan.State
WorkPlan.workflow = Workflow("state", decision_steps(
    _W.SUBMITTED, _W.APPROVED, _W.REJECTED, _("This work plan has been decided already.")),
    related=("catalog", "organization")).contribute(WorkPlan)


# The offline ledger (公开台账): what was posted on a 公开栏, read at a meeting or issued as a
# document, with the photos, minutes and scans that show it.

# The carriers that leave no trace in the portal by themselves and are recorded in the ledger.
OFFLINE_CARRIERS = (Carrier.NOTICE_BOARD, Carrier.MEETING, Carrier.DOCUMENT)


def offline_carriers(carriers) -> list[str]:
    """Return the offline carriers among an entry's ``carriers``, in ledger order."""
    listed = set(carriers or ())
    return [str(carrier) for carrier in OFFLINE_CARRIERS if carrier in listed]


class MeetingKind(models.TextChoices):
    GENERAL = "general", _("Party members' general meeting (党员大会)")
    COMMITTEE = "committee", _("Branch committee meeting (支委会)")
    GROUP = "group", _("Party group meeting (党小组会)")
    OTHER = "other", _("Other meeting")


class LedgerRecord(models.Model):
    """One offline act of disclosure of an item or an obligation: posted on a notice board
    (where, from, until), read at a meeting (which, when, attendance, minutes) or issued as
    a document (number, date). A mistaken record is voided with a reason, never deleted."""

    workflow: ClassVar[Workflow]

    class State(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        VOIDED = "voided", _("Voided")

    organization = fields.organization("ledger_records")
    item = models.ForeignKey(
        DisclosureItem, verbose_name=_("item"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="ledger_records")
    obligation = models.ForeignKey(
        Obligation, verbose_name=_("obligation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="ledger_records")
    carrier = models.CharField(_("carrier"), max_length=20,
                               choices=[(c.value, c.label) for c in OFFLINE_CARRIERS])
    # The day of the act: posted on, held on, issued on.
    date = models.DateField(_("date"))
    board = models.CharField(_("notice board (where)"), max_length=200, blank=True)
    until = models.DateField(_("taken down on"), null=True, blank=True)
    meeting_kind = models.CharField(_("kind of meeting"), max_length=12, blank=True,
                                    choices=MeetingKind.choices)
    meeting_name = models.CharField(_("meeting"), max_length=200, blank=True)
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    state = fields.state(State, State.RECORDED)
    recorded_by = fields.person(_("recorded by"))
    recorded_at = fields.moment(_("recorded"), now=True)
    voided_at = fields.moment(_("voided"))
    void_reason = models.TextField(_("reason for voiding"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ledger record")
        verbose_name_plural = _("ledger records")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["organization", "date"], name="ledger_org_date")]
        constraints = [
            models.CheckConstraint(condition=Q(item__isnull=False) | Q(obligation__isnull=False),
                                   name="ledger_record_has_subject"),
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(until__gte=F("date")),
                                   name="ledger_until_after_date"),
            models.CheckConstraint(condition=Q(state__in=["recorded", "voided"]),
                                   name="ledger_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_carrier_display()} · {self.subject_title} · {self.date}"

    def get_absolute_url(self) -> str:
        return reverse("disclosure:ledger_detail", args=[self.pk])

    @property
    def subject_title(self) -> str:
        if self.item is not None:
            return self.item.title
        return self.obligation.entry.title if self.obligation is not None else ""

    @property
    def is_voided(self) -> bool:
        return self.state == self.State.VOIDED

    @property
    def is_on_board(self) -> bool:
        """A notice-board posting that has not been taken down yet."""
        return self.carrier == Carrier.NOTICE_BOARD and self.until is None

    @property
    def is_posting(self) -> bool:
        return self.carrier == Carrier.NOTICE_BOARD

    @property
    def is_meeting(self) -> bool:
        return self.carrier == Carrier.MEETING

    @property
    def is_document(self) -> bool:
        return self.carrier == Carrier.DOCUMENT


def evidence_path(instance: LedgerEvidence, filename: str) -> str:
    """Return a random storage name: nothing of the uploaded name reaches the disk."""
    today = timezone.localdate()
    return f"ledger/{today:%Y/%m}/{secrets.token_hex(16)}{instance.extension}"


class LedgerEvidence(EvidenceFile):
    """A photo (JPEG, PNG) or a PDF (minutes, the document) showing a ledger record's act."""

    record = models.ForeignKey(LedgerRecord, verbose_name=_("ledger record"),
                               on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    history = HistoricalRecords()

    class Meta(EvidenceFile.Meta):
        verbose_name = _("ledger evidence")
        verbose_name_plural = _("ledger evidence")


_L = LedgerRecord.State
# A record stays as recorded; a posting is taken down by recording its end date, evidence
# can be added while it stands, and a mistaken record is voided with the reason.
LedgerRecord.workflow = Workflow("state", {
    "take_down": Step((_L.RECORDED,), None, "record", None,
                      _("A voided record cannot be changed."), _("Taken down"),
                      when="is_on_board",
                      when_refused=_("Only a posting still on the board can be taken down.")),
    "add_evidence": Step((_L.RECORDED,), None, "record", None,
                         _("A voided record cannot be changed."), _("Evidence added")),
    "void": Step((_L.RECORDED,), _L.VOIDED, "record", "voided_at",
                 _("This record has been voided already."), _L.VOIDED.label),
}, related=("organization", "item", "obligation")).contribute(LedgerRecord)
