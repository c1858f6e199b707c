"""The core every app builds on: users, the organization tree and memberships.

Nothing here imports another app of the portal.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_update_with_history

from . import fields


class User(AbstractUser):
    """A person using the portal: party member, secretary, reviewer, supervisor or admin."""

    full_name = models.CharField(_("full name"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=10, blank=True,
        help_text=_("Language of e-mails and notifications; the portal default when empty."),
    )
    is_system = models.BooleanField(
        _("system account"), default=False,
        help_text=_("Used as the author of changes made by scheduled tasks."),
    )
    history = HistoricalRecords(excluded_fields=["last_login", "password"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Organization(models.Model):
    """A party organization in the tree 党委 → 党总支 → 党支部."""

    class Level(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General party branch")
        BRANCH = "branch", _("Party branch")

    class Kind(models.TextChoices):
        AGENCY = "agency", _("Government agency")
        COMMUNITY = "community", _("Community")
        VILLAGE = "village", _("Village")
        SCHOOL = "school", _("School")
        INSTITUTION = "institution", _("Public institution")
        ENTERPRISE = "enterprise", _("Non-public enterprise")
        SOCIAL = "social", _("Social organization")

    code = models.CharField(
        _("code"), max_length=32, unique=True,
        help_text=_("Short unique code, used in URLs and archive numbers."),
    )
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent organization"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    # Materialized path of primary keys, e.g. "000001/000004/", for subtree queries.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path"]
        permissions = [
            ("view_internal", _("Read intra-party items")),
            ("publish", _("Publish items")),
            ("review", _("Review items of child organizations")),
            ("supervise", _("Supervise the subtree")),
            ("view_unit", _("Read disclosures to the unit's staff and residents")),
            ("lead", _("Belong to the leadership team")),
            ("cadre", _("Count as a party member leading cadre")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["committee", "general_branch", "branch"]),
                name="organization_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # One transaction: the paths of the organizations below move with it, and what is
        # cached under the organizations' versions is dropped when all of it is committed.
        with transaction.atomic():
            self._save_moved(*args, **kwargs)

    def _save_moved(self, *args, **kwargs) -> None:
        own_path = ""
        if self.pk is not None:
            current = Organization.objects.filter(pk=self.pk).values_list("path", flat=True)
            own_path = current.first() or ""
        if self.parent is not None and self.pk is not None:
            parent_path = Organization.objects.get(pk=self.parent.pk).path
            if self.parent.pk == self.pk or (own_path and parent_path.startswith(own_path)):
                raise ValidationError(
                    _("An organization cannot be placed under itself or below it."))
        if self.pk is not None:  # set before saving, so that a move's history row has it
            self._set_path()
        super().save(*args, **kwargs)
        self._set_path()
        if self.path != own_path:
            Organization.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            if own_path:
                self._move_descendants(own_path)

    def _set_path(self) -> None:
        self.path = f"{self.parent.path if self.parent else ''}{self.pk:06d}/"
        self.depth = self.path.count("/") - 1

    def clean(self) -> None:
        if self.parent is not None and self.pk is not None and (
                self.parent.pk == self.pk or self.parent.path.startswith(self.path or "-")):
            raise ValidationError(
                {"parent": _("An organization cannot be placed under itself or below it.")})
        from .org_depth import max_levels, too_deep_message

        # The deepest organization below this one (itself if none) moves along with it.
        below = 0
        if self.pk is not None and self.path:
            deepest = Organization.objects.filter(path__startswith=self.path).aggregate(
                deepest=models.Max("depth"))["deepest"]
            below = (deepest or self.depth) - self.depth
        levels = (self.parent.depth + 2 if self.parent is not None else 1) + below
        if levels > max_levels():
            raise ValidationError({"parent": too_deep_message(
                self.name if not below else str(_("The deepest organization below it")),
                levels)})

    def _move_descendants(self, old_path: str) -> None:
        """Rewrite the paths below a moved organization, with a history row for each, by
        whoever moved it (or the request's user)."""
        moved = list(Organization.objects.filter(path__startswith=old_path).exclude(pk=self.pk))
        for child in moved:
            child.path = self.path + child.path[len(old_path):]
            child.depth = child.path.count("/") - 1
        bulk_update_with_history(moved, Organization, ["path", "depth"], batch_size=500,
                                 default_user=getattr(self, "_history_user", None))

    @property
    def reviewed_by_id(self) -> int:
        """The organization whose reviewers check this one's items and filings: its parent,
        or the organization itself at the top of the tree (four eyes within it)."""
        return self.parent_id or self.pk

    def subtree(self) -> models.QuerySet[Organization]:
        """Return this organization and all organizations below it."""
        return Organization.objects.filter(path__startswith=self.path)

    def ancestors(self) -> models.QuerySet[Organization]:
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        return Organization.objects.filter(pk__in=ids).exclude(pk=self.pk).order_by("depth")


class OrganizationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)


class Role(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    COMMITTEE = "committee", _("Committee member")
    REVIEWER = "reviewer", _("Reviewer")
    MEMBER = "member", _("Member")
    SUPERVISOR = "supervisor", _("Supervisor")
    CADRE = "cadre", _("Party member leading cadre")
    PEOPLE = "people", _("Staff or resident (not a party member)")


# The object permissions on its organization that each role's group holds. Everyone with a
# role belongs to the unit's people (``view_unit``); only party roles read within the party.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.SECRETARY: ("view_internal", "publish", "lead", "view_unit"),
    Role.COMMITTEE: ("view_internal", "publish", "lead", "view_unit"),
    Role.REVIEWER: ("view_internal", "review", "view_unit"),
    Role.MEMBER: ("view_internal", "view_unit"),
    Role.SUPERVISOR: ("view_internal", "supervise", "view_unit"),
    Role.CADRE: ("view_internal", "cadre", "view_unit"),
    Role.PEOPLE: ("view_unit",),
}


class RoleGroup(models.Model):
    """The auth group that carries one role of one organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="role_groups"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="role_group")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "role"], name="one_group_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} / {self.get_role_display()}"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self, on=None) -> MembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(since__lte=day), Q(until__isnull=True) | Q(until__gt=day))


class Membership(models.Model):
    """A person's role in an organization, from ``since`` up to (not including) ``until``."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    since = models.DateField(_("since"), default=timezone.localdate)
    until = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization__path", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role", "since"], name="membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gt=models.F("since")),
                name="membership_until_after_since",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"

    def is_active(self, on=None) -> bool:
        day = on or timezone.localdate()
        return self.since <= day and (self.until is None or self.until > day)


class EvidenceFile(models.Model):
    """The stored-file fields of an evidence upload (a photo or a PDF), shared by the
    ledger's and the rectification responses' evidence. Each concrete model adds its
    ``file`` field (with its own storage path), its owner and its history."""

    original_name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(_("extension"), max_length=10)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256 digest"), max_length=64)
    uploaded_by = fields.person(_("uploaded by"))
    uploaded_at = fields.moment(_("uploaded"), now=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def download_name(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class CalendarDay(models.Model):
    """A public holiday on a weekday, or a make-up working day (调休) on a weekend."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKDAY = "workday", _("Make-up working day")

    class Source(models.TextChoices):
        PACKAGE = "package", _("State Council schedule (loaded)")
        ADMIN = "admin", _("Corrected in the admin")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=40, blank=True)
    # Loading the national schedule again updates and removes only the days it loaded
    # itself; a day saved in the admin is never touched by a reload.
    source = models.CharField(_("source"), max_length=10, choices=Source.choices,
                              default=Source.ADMIN)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["holiday", "workday"]), name="calendar_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=["package", "admin"]), name="calendar_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class RolloutDate(models.Model):
    """The date by which an issuing committee's organizations of one type must have started
    disclosing (the annual plan's 分类推进: e.g. 机关 and 社区 by the end of June)."""

    issuer = models.ForeignKey(
        Organization, verbose_name=_("issuing organization"), on_delete=models.PROTECT,
        related_name="rollout_dates",
    )
    kind = models.CharField(_("type of organization"), max_length=20,
                            choices=Organization.Kind.choices)
    start_by = models.DateField(_("start by"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rollout date")
        verbose_name_plural = _("rollout dates")
        ordering = ["issuer__path", "start_by", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "kind"], name="rollout_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} · {self.get_kind_display()} · {self.start_by}"


class Notification(models.Model):
    """An in-app message to one person; e-mailed once, in the recipient's language.

    The text is rendered when shown or sent, by the renderer its app registered for
    ``kind`` (see ``portal.notifications``), so it follows the reader's language and rights.
    """

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # Set for notifications sent by a reminder stage; one per recipient and stage.
    reminder_key = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["emailed_at", "created_at"], name="notification_outbox"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "reminder_key"], condition=~Q(reminder_key=""),
                name="one_notification_per_reminder_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}"


class Reminder(models.Model):
    """That a reminder stage fired for a deadline: the guard that makes reminding idempotent."""

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        ESCALATED = "escalated", _("Escalated")

    source = models.CharField(_("kind of deadline"), max_length=40)
    target_id = models.PositiveBigIntegerField(_("target"))
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    due_date = models.DateField(_("due date"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target_id", "stage"], name="one_reminder_per_target_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}#{self.target_id} {self.stage}"


class Event(models.Model):
    """One step taken on a record with a life cycle: who, what, when and why.

    Items keep theirs as ``disclosure.Review`` rows (the archive freezes them); every other
    workflow writes here through ``portal.workflow``.
    """

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE,
                                     related_name="+")
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.PROTECT,
                              related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("workflow event")
        verbose_name_plural = _("workflow events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"],
                                name="event_record")]

    def __str__(self) -> str:
        return f"{self.action} · {self.content_type_id}#{self.object_id}"


class Decision(models.Model):
    """The decision of an approver on a request: who decided, when, and what they said."""

    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        abstract = True

    def decision(self, actor: User, comment: str = "") -> dict:
        """Return the fields a decision by ``actor`` writes."""
        return {"decided_by": actor, "decided_at": timezone.now(), "comment": comment.strip()}


from .models_grants import PRIVILEGED_ROLES, RoleGrant, StaffGrant  # noqa: E402, F401
