"""One workflow shape for every record with a life cycle.

A model declares its transition table as a :class:`Workflow` (class attribute
``workflow``): for each action, the states it may start from, the state it leads to, the
rule that says who may take it and the timestamp it sets. The rules themselves live in the
record's permission module (registered in :mod:`portal.permissions`), so the table stays
data and the question "who may" has one answer.

Services move records only through :func:`transition` (or :func:`begin` for actions that
do not change the state, such as editing a draft): it locks the row, checks the right and
the state against the table, writes only the changed fields, records one event row and a
history row, and leaves e-mail to after the commit. Templates ask
:func:`available_actions` and never compare states.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _


class TransitionError(Exception):
    """A step that the record's state or rules do not allow; nothing was changed."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Step:
    """One row of a transition table."""

    sources: tuple[str, ...]
    target: str | None = None  # None: the state stays (edit, plan, apply a change)
    rule: str = ""  # name of the rule in the record's permission module; "" = system only
    stamp: str | None = None  # timestamp field set to now
    refused: Any = ""  # the sentence shown when the state does not allow it
    label: Any = ""  # what the history says
    when: str = ""  # a further condition: a boolean attribute of the record
    when_refused: Any = ""  # the sentence shown when that condition does not hold


Recorder = Callable[[models.Model, Any, str, str, Mapping[str, Any]], None]


@dataclass
class Workflow:
    """The transition table of one model."""

    state_field: str
    steps: dict[str, Step]
    related: tuple[str, ...] = ()  # select_related when locking
    recorder: Recorder | None = None  # writes the event row; the generic one by default
    model: type[models.Model] | None = field(default=None, repr=False)

    def __set_name__(self, owner, name) -> None:  # as a class attribute of the model
        self.model = owner

    def contribute(self, model: type[models.Model]) -> Workflow:
        self.model = model
        return self

    def __getitem__(self, action: str) -> Step:
        return self.steps[action]

    def state_of(self, obj) -> str:
        return getattr(obj, self.state_field)

    def state_allows(self, obj, action: str) -> bool:
        """Return whether the record's state (and the step's condition) allow ``action``."""
        step = self.steps[action]
        return self.state_of(obj) in step.sources and (
            not step.when or bool(getattr(obj, step.when)))

    def states_for(self, action: str) -> tuple[str, ...]:
        return self.steps[action].sources


def decision_steps(pending, accepted, refused, decided: Any,
                   actions: tuple[str, str] = ("approve", "reject")) -> dict[str, Step]:
    """The two steps of a :class:`portal.models.Decision` record: from ``pending`` to
    ``accepted`` or ``refused`` (``TextChoices`` members), by the record's ``decide`` rule,
    stamping ``decided_at``; ``decided`` is the sentence once it has been decided."""
    return {action: Step((pending,), state, "decide", "decided_at", decided, state.label)
            for action, state in zip(actions, (accepted, refused), strict=True)}


def workflow_of(obj_or_model) -> Workflow:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    found = getattr(model, "workflow", None)
    if not isinstance(found, Workflow):
        raise TypeError(f"{model.__name__} declares no workflow")
    return found


def _rule(obj, step: Step) -> Callable[[Any, Any], bool] | None:
    from .permissions import rule_for

    return rule_for(type(obj), step.rule) if step.rule else None


def required(text: str, message: Any) -> Callable[[Any], None]:
    """Return a ``validate`` for :func:`transition` that refuses when ``text`` is empty."""

    def validate(obj) -> None:
        if not text:
            raise TransitionError(message)

    return validate


def has_right(user, obj, action: str) -> bool:
    """Return whether ``user`` holds the right the action needs, whatever the state."""
    rule = _rule(obj, workflow_of(obj)[action])
    return bool(rule is not None and user is not None and rule(user, obj))


def allowed(user, obj, action: str) -> bool:
    """Return whether ``user`` may take ``action`` on ``obj`` now (right and state)."""
    return workflow_of(obj).state_allows(obj, action) and has_right(user, obj, action)


def available_actions(user, obj) -> frozenset[str]:
    """Return the actions ``user`` may take on ``obj`` now: what the buttons show."""
    flow = workflow_of(obj)
    return frozenset(action for action in flow.steps if allowed(user, obj, action))


def lock(model: type[models.Model], pk: int):
    """Load and lock one row (and its declared relations, without locking them)."""
    flow = workflow_of(model)
    rows = model._default_manager.select_for_update(of=("self",))
    return rows.select_related(*flow.related).get(pk=pk)


def check(obj, action: str, actor) -> Step:
    """Raise ``PermissionDenied`` unless ``actor`` holds the right (``actor`` None: the
    scheduler), then ``TransitionError`` unless the state allows ``action``."""
    flow = workflow_of(obj)
    step = flow[action]
    if actor is not None and not has_right(actor, obj, action):
        raise PermissionDenied
    if step.when and not getattr(obj, step.when):
        raise TransitionError(step.when_refused)
    if flow.state_of(obj) not in step.sources:
        message = str(step.refused or _("This step is not possible in the record's present "
                                        "state."))
        if "%(status)s" in message:  # the sentence names the present state
            message = message % {"status": getattr(obj, f"get_{flow.state_field}_display")()}
        raise TransitionError(message)
    return step


def begin(model: type[models.Model], pk: int, action: str, actor):
    """Lock the record and check ``action`` for ``actor``: the first half of a transition,
    for actions that change more than the record's own fields."""
    obj = lock(model, pk)
    check(obj, action, actor)
    return obj


def transition(model: type[models.Model], pk: int, action: str, *, actor,
               comment: str = "", changes: Mapping[str, Any] | None = None,
               validate: Callable[[Any], None] | None = None,
               event: Mapping[str, Any] | None = None,
               reason: Any = "", obj=None):
    """Take ``action`` on the record ``pk`` and return it.

    Lock, check right and state, run ``validate`` (which raises to refuse), write the
    target state, the step's timestamp and ``changes`` with ``update_fields``, record one
    event row (``event`` adds fields to it) and history. ``actor`` None is the scheduler.
    Pass ``obj`` when the caller has already locked and checked it with :func:`begin`.
    """
    if obj is None:
        obj = begin(model, pk, action, actor)
    flow = workflow_of(obj)
    step = flow[action]
    if validate is not None:
        validate(obj)
    values: dict[str, Any] = dict(changes or {})
    if step.target is not None:
        values[flow.state_field] = step.target
    if step.stamp:
        values.setdefault(step.stamp, timezone.now())
    save(obj, actor, values, reason=reason or step.label)
    record(obj, actor, action, comment, event or {})
    return obj


def decide(model: type[models.Model], pk: int, *, approve: bool, actor, comment: str = "",
           reason_required: Any, actions: tuple[str, str] = ("approve", "reject"),
           on_approval: Callable[[Any], Mapping[str, Any]] | None = None):
    """Take an approver's decision on a :class:`portal.models.Decision` record: the first
    of ``actions`` if ``approve``, else the second, which needs a comment
    (``reason_required`` is the sentence shown without one). ``on_approval`` returns more
    fields to write when approving."""
    action = actions[0] if approve else actions[1]
    obj = begin(model, pk, action, actor)
    if not approve and not comment.strip():
        raise TransitionError(reason_required)
    changes = dict(obj.decision(actor, comment))
    if approve and on_approval is not None:
        changes.update(on_approval(obj))
    return transition(model, pk, action, actor=actor, comment=comment.strip(),
                      changes=changes, obj=obj)


def save(obj, actor, values: Mapping[str, Any], *, reason: Any = "") -> None:
    """Write ``values`` on ``obj`` with one history row by ``actor`` (None: the system)."""
    from .system import system_user

    for name, value in values.items():
        setattr(obj, name, value)
    obj._history_user = actor or system_user()
    if reason:
        obj._change_reason = str(reason)
    fields = [*values, *_auto_now(obj)]
    obj.save(update_fields=fields)


def _auto_now(obj) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]


def record(obj, actor, action: str, comment: str = "",
           extra: Mapping[str, Any] | None = None) -> None:
    """Write the event row of ``action`` on ``obj``."""
    flow = workflow_of(obj)
    if flow.recorder is not None:
        flow.recorder(obj, actor, action, comment, extra or {})
        return
    from django.contrib.contenttypes.models import ContentType

    from .models import Event
    from .system import system_user

    Event.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk,
        action=action, actor=actor or system_user(), comment=comment,
    )


def create(obj, actor, *, action: str = "create", comment: str = "",
           reason: Any = "", event: bool = True) -> Any:
    """Save a new record by ``actor`` with its history row and (unless ``event`` is false)
    its first event row."""
    obj._history_user = actor
    if reason:
        obj._change_reason = str(reason)
    obj.save()
    if event:
        record(obj, actor, action, comment)
    return obj


def events_of(obj) -> models.QuerySet:
    """Return the event rows of a record that uses the generic event log, oldest first."""
    from django.contrib.contenttypes.models import ContentType

    from .models import Event

    return Event.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk,
    ).select_related("actor").order_by("created_at", "pk")


def state_filter(model: type[models.Model], action: str) -> dict[str, Iterable[str]]:
    """Return the queryset filter for rows whose state allows ``action``."""
    flow = workflow_of(model)
    return {f"{flow.state_field}__in": list(flow.states_for(action))}


__all__ = [
    "PermissionDenied", "Step", "TransitionError", "Workflow", "allowed", "available_actions",
    "begin", "check", "create", "events_of", "has_right", "lock", "record", "save",
    "state_filter", "transition",
]
