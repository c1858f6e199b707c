"""The registry of permission homes: for every kind of record a user can reach, who may
see it (``can_view`` and its queryset twin ``visible``), who may act on it (named rules
that the model's transition table refers to) and where its page is.

Each app's permission module registers its kinds when it is imported (the app's
``ready()`` imports it). Views, notification loaders, exports, counts and admin querysets
ask :func:`rules_for`; the leak and IDOR sweeps in the tests iterate :func:`registered`,
and a test fails when a model of the portal is neither registered nor declared internal
with :func:`internal`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import Http404

Rule = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Rules:
    """The permission home of one kind of record."""

    model: type[models.Model]
    visible: Callable[[Any], QuerySet]  # every record the user may see
    can_view: Callable[[Any, Any], bool]  # the twin of ``visible`` for one record
    rules: Mapping[str, Rule] = field(default_factory=dict)  # rights the workflow names
    url: Callable[[Any], str] | None = None  # the record's page, if it has one
    related: tuple[str, ...] = ()  # select_related when loading one for a user


_registry: dict[type[models.Model], Rules] = {}
_internal: dict[type[models.Model], str] = {}


def register(rules: Rules) -> Rules:
    _registry[rules.model] = rules
    return rules


def internal(model: type[models.Model], reason: str) -> None:
    """Declare a model that no user reaches on its own (only through a registered record or
    the staff admin), with the reason."""
    _internal[model] = reason


def rules_for(model: type[models.Model]) -> Rules:
    return _registry[model]


def rule_for(model: type[models.Model], name: str) -> Rule:
    return _registry[model].rules[name]


def registered() -> list[Rules]:
    return list(_registry.values())


def internal_models() -> dict[type[models.Model], str]:
    return dict(_internal)


def visible(user, model: type[models.Model]) -> QuerySet:
    return _registry[model].visible(user)


def can_view(user, obj) -> bool:
    return _registry[type(obj)].can_view(user, obj)


def load_for(user, model: type[models.Model], **lookup):
    """Load one record the user may see, or raise 404 as if it did not exist.

    The record is looked up within the user's visible queryset, in one query: a hidden
    record and a missing one cost the same queries of the same shape, so that response
    times do not tell them apart (archive numbers are sequential; probing them must not
    count another organization's records). Never fetch first and check afterwards."""
    rules = _registry[model]
    found = rules.visible(user).select_related(*rules.related).filter(**lookup).order_by()
    for obj in found[:1]:  # a visible queryset may join to many rows of one record
        return obj
    raise Http404


def never(user, obj) -> bool:
    """The rule of steps that only the scheduler takes."""
    return False


def register_core() -> None:
    """Register the core's own records (called when the portal app is ready)."""
    from django.urls import reverse

    from .models import (
        CalendarDay,
        Event,
        Membership,
        Notification,
        Organization,
        Reminder,
        RoleGroup,
        RolloutDate,
        User,
    )
    from .roles import signed_in

    register(Rules(
        Organization, visible=lambda user: Organization.objects.filter(is_active=True),
        can_view=lambda user, org: org.is_active,
        url=lambda org: reverse("organization_detail", args=[org.code]),
    ))
    register(Rules(
        Notification,
        visible=lambda user: Notification.objects.filter(recipient=user) if signed_in(user)
        else Notification.objects.none(),
        can_view=lambda user, note: signed_in(user) and note.recipient_id == user.pk,
        url=lambda note: reverse("notification_open", args=[note.pk]),
    ))
    internal(User, "people are managed in the staff admin; pages show only display names")
    internal(Membership, "roles are granted in the staff admin")
    internal(RoleGroup, "the guardian groups behind roles")
    internal(CalendarDay, "the working-day calendar, kept in the staff admin")
    internal(RolloutDate, "rollout dates are set in the staff admin; the rollout page shows "
             "them only with the units its reader follows")
    internal(Reminder, "the idempotence guard of reminders")
    internal(Event, "shown only inside its record's page, which asks the record's home")
