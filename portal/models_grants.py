"""Role grants that need a second person: a privileged role (see ``PRIVILEGED_ROLES``) is
requested in the admin and becomes a membership only when someone else approves it."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .models import Decision, Membership, Organization, Role, User
from .workflow import Workflow, decision_steps

# The roles that read or decide beyond one's own organization's members: reviewers approve
# other organizations' items, supervisors read everything in a subtree and its audit trail.
# The catalog admin is no role but staff rights, which only superusers hand out.
PRIVILEGED_ROLES: tuple[str, ...] = (Role.REVIEWER, Role.SUPERVISOR)


class GrantRequest(Decision):
    """What a role grant and a staff grant share: asked by one person, with a reason,
    pending until another person decides it (the decision fields come from ``Decision``)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    requested_by = models.ForeignKey(User, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-requested_at", "-pk"]


class RoleGrant(GrantRequest):
    """A request, made in the admin, to give ``user`` a privileged role in an organization;
    a different authorised person approves it (creating the membership) or refuses it."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="role_grants")
    organization = models.ForeignKey(Organization, verbose_name=_("organization"),
                                     on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    since = models.DateField(_("since"), default=timezone.localdate)
    until = models.DateField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True,
                              help_text=_("Why this person should hold the role."))
    membership = models.OneToOneField(Membership, verbose_name=_("membership"), null=True,
                                      blank=True, on_delete=models.SET_NULL,
                                      related_name="grant")
    history = HistoricalRecords()

    workflow = Workflow("state", decision_steps(
        GrantRequest.State.PENDING, GrantRequest.State.APPROVED, GrantRequest.State.REFUSED,
        _("This role grant has been decided already.")), related=("organization", "user"))

    class Meta(GrantRequest.Meta):
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        permissions = [("decide_rolegrant", _("Approve or refuse role grants"))]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["pending", "approved", "refused"]),
                                   name="rolegrant_state_valid"),
            models.CheckConstraint(condition=Q(role__in=list(PRIVILEGED_ROLES)),
                                   name="rolegrant_role_privileged"),
            models.CheckConstraint(condition=~Q(decided_by=models.F("requested_by")),
                                   name="rolegrant_four_eyes"),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gt=models.F("since")),
                name="rolegrant_until_after_since"),
            models.UniqueConstraint(fields=["user", "organization", "role"],
                                    condition=Q(state="pending"),
                                    name="rolegrant_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


def _record_admin_event(obj, actor, action: str, comment: str, extra) -> None:
    """Staff grants are admin changes: their steps are ``admin.*`` events."""
    from .admin_log import record

    record(obj, actor, action, comment)


class StaffGrant(GrantRequest):
    """A request, made in the admin by a superuser, to give ``user`` site rights: staff
    rights with one auth group (the catalog administrators', say), or superuser rights.
    Another superuser, neither the one asking nor the one receiving, approves it (setting
    the flags and the group in the same transaction) or refuses it with a reason."""

    class Right(models.TextChoices):
        STAFF = "staff", _("Staff rights with a group")
        SUPERUSER = "superuser", _("Superuser")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="staff_grants")
    right = models.CharField(_("right"), max_length=10, choices=Right.choices)
    group = models.ForeignKey(Group, verbose_name=_("group"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+",
                              # role groups follow memberships (``roles.sync_user_groups``)
                              limit_choices_to={"role_group__isnull": True},
                              help_text=_("Staff rights: the group whose permissions the "
                                          "person receives."))
    reason = models.TextField(_("reason"), blank=True,
                              help_text=_("Why this person should hold the right."))
    history = HistoricalRecords()

    workflow = Workflow("state", decision_steps(
        GrantRequest.State.PENDING, GrantRequest.State.APPROVED, GrantRequest.State.REFUSED,
        _("This grant has been decided already.")), related=("user", "group"),
        recorder=_record_admin_event)

    class Meta(GrantRequest.Meta):
        verbose_name = _("staff grant")
        verbose_name_plural = _("staff grants")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["pending", "approved", "refused"]),
                                   name="staffgrant_state_valid"),
            models.CheckConstraint(
                condition=(Q(right="staff", group__isnull=False)
                           | Q(right="superuser", group__isnull=True)),
                name="staffgrant_group_with_staff"),
            models.CheckConstraint(condition=~Q(decided_by=models.F("requested_by")),
                                   name="staffgrant_four_eyes"),
            models.CheckConstraint(condition=~Q(user=models.F("requested_by")),
                                   name="staffgrant_not_for_oneself"),
            models.UniqueConstraint(fields=["user", "right"], condition=Q(state="pending"),
                                    name="staffgrant_one_pending"),
        ]

    def __str__(self) -> str:
        what = self.get_right_display() if self.group_id is None else (
            f"{self.get_right_display()} ({self.group})")
        return f"{self.user} · {what}"
