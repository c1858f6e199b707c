"""Field declarations every workflow record repeats: who did something, when, for which
organization, and the record's state. Each returns the same field a longhand declaration
would (migrations see no difference)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def person(verbose_name, *, optional: bool = False, related_name: str = "+") -> models.ForeignKey:
    """A user who did something (protected from deletion while the record refers to them)."""
    return models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=verbose_name,
                             on_delete=models.PROTECT, related_name=related_name,
                             null=optional, blank=optional)


def moment(verbose_name, *, now: bool = False) -> models.DateTimeField:
    """When something happened: now by default (``now``), or empty until it happens."""
    if now:
        return models.DateTimeField(verbose_name, default=timezone.now)
    return models.DateTimeField(verbose_name, null=True, blank=True)


def organization(related_name: str) -> models.ForeignKey:
    """The organization a record belongs to."""
    return models.ForeignKey("portal.Organization", verbose_name=_("organization"),
                             on_delete=models.PROTECT, related_name=related_name)


def state(choices: type[models.TextChoices], default, max_length: int = 10) -> models.CharField:
    """The record's workflow state."""
    return models.CharField(_("state"), max_length=max_length, choices=choices.choices,
                            default=default)


def one_open(field: str, open_state: str, name: str) -> models.UniqueConstraint:
    """At most one record per ``field`` may be in ``open_state`` at a time (one pending
    request per item, one filing awaiting acknowledgement per obligation)."""
    return models.UniqueConstraint(fields=[field], condition=models.Q(state=open_state),
                                   name=name)
