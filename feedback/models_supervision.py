"""The supervision group (监督小组) as a body: its election, seats and history, declared
relatives (for the rule that 班子成员 and their close relatives cannot serve), inspection
plans and records, findings that open rectification orders, and the evidence attached to
rectification responses."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal import fields
from portal.models import EvidenceFile
from portal.workflow import Step, Workflow


class RelativeDeclaration(models.Model):
    """That ``person`` declared ``relative`` as a spouse or close relative."""

    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Child")
        SIBLING = "sibling", _("Sibling")
        IN_LAW = "in_law", _("Parent or sibling of the spouse")
        OTHER = "other", _("Other close relative")

    organization = fields.organization("relative_declarations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"),
                               on_delete=models.CASCADE, related_name="declared_relatives")
    relative = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("relative"),
                                 on_delete=models.CASCADE, related_name="declared_by_relatives")
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    declared_by = fields.person(_("declared by"))
    declared_at = fields.moment(_("declared"), now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("declared relative")
        verbose_name_plural = _("declared relatives")
        ordering = ["person_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "relative"],
                                    name="one_declaration_per_pair"),
            models.CheckConstraint(condition=~Q(person=models.F("relative")),
                                   name="relative_is_someone_else"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_relation_display()} · {self.relative}"


class SupervisionGroup(models.Model):
    """The 监督小组 of an organization for one term, elected by a meeting."""

    organization = fields.organization("supervision_groups")
    meeting = models.CharField(_("electing meeting"), max_length=60, default="党员大会")
    elected_on = models.DateField(_("election date"))
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))
    created_by = fields.person(_("recorded by"))
    created_at = fields.moment(_("recorded"), now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supervision group")
        verbose_name_plural = _("supervision groups")
        ordering = ["organization__path", "-term_start", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(term_end__gt=models.F("term_start")),
                                   name="supervision_term_ends_after_start"),
            models.UniqueConstraint(fields=["organization", "term_start"],
                                    name="one_supervision_group_per_term"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.term_start:%Y}–{self.term_end:%Y}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:group_detail", args=[self.pk])

    @property
    def in_term(self) -> bool:
        return self.term_start <= timezone.localdate() < self.term_end


class SeatQuerySet(models.QuerySet["SupervisionSeat"]):
    def current(self, on=None) -> SeatQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(since__lte=day), Q(until__isnull=True) | Q(until__gt=day),
                           group__term_end__gt=day)


class SupervisionSeat(models.Model):
    """One person's seat in a group, from ``since`` up to ``until`` (the term's end when
    empty). Seats are never deleted: ending one keeps it in the group's history."""

    class Joined(models.TextChoices):
        ELECTED = "elected", _("Elected at the election")
        BY_ELECTION = "by_election", _("By-election")

    class Ended(models.TextChoices):
        TERM = "term", _("End of term")
        RESIGNED = "resigned", _("Resigned")
        REPLACED = "replaced", _("Replaced at a by-election")
        REMOVED = "removed", _("Removed")

    group = models.ForeignKey(SupervisionGroup, verbose_name=_("supervision group"),
                              on_delete=models.PROTECT, related_name="seats")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("member"),
                             on_delete=models.PROTECT, related_name="supervision_seats")
    is_leader = models.BooleanField(_("group leader"), default=False)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    joined = models.CharField(_("how the seat was filled"), max_length=12,
                              choices=Joined.choices, default=Joined.ELECTED)
    ended = models.CharField(_("why the seat ended"), max_length=10, choices=Ended.choices,
                             blank=True)
    replaces = models.ForeignKey("self", verbose_name=_("replaces"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="replaced_by")
    # The supervisor role the seat gives on the organization's subtree, for the seat's
    # period; ending the seat ends it.
    membership = models.OneToOneField("portal.Membership", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="seat")
    history = HistoricalRecords()

    objects = SeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision group seat")
        verbose_name_plural = _("supervision group seats")
        ordering = ["-is_leader", "since", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(until__gt=models.F(
                "since")), name="seat_until_after_since"),
            models.UniqueConstraint(fields=["group"], condition=Q(is_leader=True)
                                    & Q(until__isnull=True), name="one_open_leader_seat"),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.user}"

    @property
    def ends_on(self):
        return self.until or self.group.term_end

    @property
    def ended_label(self) -> str:
        """Why the seat ended: as recorded, or the end of the term once it has passed."""
        if self.ended:
            return str(self.get_ended_display())
        return str(self.Ended.TERM.label) if self.ends_on <= timezone.localdate() else ""

    def is_current(self, on=None) -> bool:
        day = on or timezone.localdate()
        return self.since <= day < self.ends_on


class InspectionPlan(models.Model):
    """What the group means to inspect in a year or period, where, and when."""

    workflow: ClassVar[Workflow]

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Carried out")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(SupervisionGroup, verbose_name=_("supervision group"),
                              on_delete=models.PROTECT, related_name="plans")
    organization = fields.organization("inspection_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("period"), max_length=40, blank=True)
    scope = models.ManyToManyField("portal.Organization", verbose_name=_("organizations inspected"),
                                   related_name="+")
    subject = models.TextField(_("what to check"))
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    state = fields.state(State, State.PLANNED)
    planned_by = fields.person(_("planned by"))
    planned_at = fields.moment(_("planned"), now=True)
    done_at = fields.moment(_("carried out"))
    history = HistoricalRecords(m2m_fields=[scope])

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-year", "-planned_start", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_end__gte=models.F("planned_start")),
                                   name="inspection_plan_dates_in_order"),
            models.CheckConstraint(condition=Q(state__in=["planned", "done", "cancelled"]),
                                   name="inspection_plan_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.year} {self.period}".strip()

    def get_absolute_url(self) -> str:
        return reverse("feedback:plan_detail", args=[self.pk])


_P = InspectionPlan.State
InspectionPlan.workflow = Workflow("state", {
    "complete": Step((_P.PLANNED,), _P.DONE, "plan", "done_at",
                     _("Only a planned inspection can be carried out."), _P.DONE.label),
    "cancel": Step((_P.PLANNED,), _P.CANCELLED, "plan", None,
                   _("Only a planned inspection can be cancelled."), _P.CANCELLED.label),
}, related=("organization", "group")).contribute(InspectionPlan)


class InspectionRecord(models.Model):
    """What the group checked on a day, where, and what it found; published by a step."""

    workflow: ClassVar[Workflow]

    class State(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        PUBLISHED = "published", _("Results published")

    class Audience(models.TextChoices):
        GROUP = "group", _("The supervision group only")
        MEMBERS = "members", _("Members of the organization")
        SUBTREE = "subtree", _("Members of the organization and those below it")
        PUBLIC = "public", _("The public")

    group = models.ForeignKey(SupervisionGroup, verbose_name=_("supervision group"),
                              on_delete=models.PROTECT, related_name="records")
    organization = fields.organization("inspection_records")
    plan = models.ForeignKey(InspectionPlan, verbose_name=_("plan"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="records")
    inspected_on = models.DateField(_("date of inspection"))
    scope = models.ManyToManyField("portal.Organization", verbose_name=_("organizations inspected"),
                                   related_name="+")
    checked = models.TextField(_("what was checked"))
    conclusion = models.TextField(_("overall conclusion"), blank=True)
    state = fields.state(State, State.RECORDED)
    audience = models.CharField(_("results published to"), max_length=10,
                                choices=Audience.choices, default=Audience.GROUP)
    recorded_by = fields.person(_("recorded by"))
    recorded_at = fields.moment(_("recorded"), now=True)
    published_at = fields.moment(_("published"))
    history = HistoricalRecords(m2m_fields=[scope])

    class Meta:
        verbose_name = _("inspection record")
        verbose_name_plural = _("inspection records")
        ordering = ["-inspected_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["recorded", "published"]),
                                   name="inspection_record_state_valid"),
            models.CheckConstraint(
                condition=Q(audience__in=["group", "members", "subtree", "public"]),
                name="inspection_record_audience_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.inspected_on}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:record_detail", args=[self.pk])


_R = InspectionRecord.State
InspectionRecord.workflow = Workflow("state", {
    "add_finding": Step((_R.RECORDED,), None, "record", None,
                        _("Findings are added before the results are published."),
                        _("Finding added")),
    "open_order": Step((_R.RECORDED, _R.PUBLISHED), None, "record", None, "",
                       _("Rectification ordered")),
    "publish": Step((_R.RECORDED,), _R.PUBLISHED, "record", "published_at",
                    _("The results are already published."), _R.PUBLISHED.label),
}, related=("organization", "group")).contribute(InspectionRecord)


class InspectionFinding(models.Model):
    """One finding of an inspection, about one organization; it may open an order."""

    record = models.ForeignKey(InspectionRecord, verbose_name=_("inspection record"),
                               on_delete=models.PROTECT, related_name="findings")
    organization = fields.organization("inspection_findings")
    text = models.TextField(_("finding"))
    order = models.OneToOneField("feedback.RectificationOrder",
                                 verbose_name=_("rectification order"), null=True, blank=True,
                                 on_delete=models.PROTECT,
                                 related_name="inspection_finding")
    created_at = fields.moment(_("recorded"), now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:40]


__all__ = ["EVIDENCE_EXTENSIONS", "InspectionFinding", "InspectionPlan", "InspectionRecord",
           "RectificationEvidence", "RelativeDeclaration", "SupervisionGroup",
           "SupervisionSeat"]

EVIDENCE_EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg")


def evidence_path(instance: RectificationEvidence, filename: str) -> str:
    """Return a random storage name: nothing of the uploaded name reaches the disk."""
    today = timezone.localdate()
    return f"evidence/{today:%Y/%m}/{secrets.token_hex(16)}{instance.extension}"


class RectificationEvidence(EvidenceFile):
    """A photo or PDF attached to a rectification response."""

    order = models.ForeignKey("feedback.RectificationOrder", verbose_name=_("rectification order"),
                              on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    history = HistoricalRecords()

    class Meta(EvidenceFile.Meta):
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")
