"""One reminder machinery for every deadline: obligations, feedback replies, on-request
answers, rectification orders.

An app describes its deadlines as a :class:`DeadlineSource` and registers it. The daily
run sends, per target, each stage at most once: *due soon* (a configurable number of days
before), *overdue* (after the due date) and *escalated* (a configurable delay after that, to
the parent organization's reviewers and the supervisors). A ``Reminder`` row with a unique
(source, target, stage) is written in the same transaction as the notifications, after the
target was locked and re-checked, so a second run, a retry or a run killed half-way sends
nothing twice and loses nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from .models import Organization, Reminder, User
from .notifications import enqueue_emails, notify
from .roles import ancestor_ids, reviewers_of, role_holders

logger = logging.getLogger(__name__)
Stage = Reminder.Stage


@dataclass(frozen=True)
class DeadlineSource:
    """A kind of deadline: targets with a ``due_date`` and an ``organization``."""

    name: str
    # Pending targets (any state that still needs action), as a queryset with ``due_date``.
    pending: Callable[[], QuerySet]
    # Relations to load with a target.
    related: tuple[str, ...] = ("organization",)

    def lock(self, pk: int) -> Any:
        """Re-read a target under lock and return it if it still needs action, else None."""
        return (self.pending().select_for_update(of=("self",)).select_related(*self.related)
                .filter(pk=pk).first())

    def organization(self, target) -> Organization:
        return target.organization

    def owners(self, target) -> Iterable[User]:
        """Who must act: the organization's secretaries and committee members."""
        from .roles import role_holders

        return role_holders([target.organization_id], ["secretary", "committee"])


_sources: dict[str, DeadlineSource] = {}


def register(source: DeadlineSource) -> None:
    _sources[source.name] = source


def sources() -> list[DeadlineSource]:
    return list(_sources.values())


def escalation_recipients(organization: Organization) -> QuerySet[User]:
    """Return the reviewers of the organization's work and the supervisors of its subtree."""
    reviewers = reviewers_of(organization)
    supervisors = role_holders(ancestor_ids(organization), ["supervisor"])
    return (reviewers | supervisors).distinct()


def stage_window(stage: str, today: dt.date) -> dict:
    """Return the due-date filter that puts a target in ``stage`` on ``today``."""
    if stage == Stage.DUE_SOON:
        before = today + dt.timedelta(days=settings.REMINDER_DAYS_BEFORE)
        return {"due_date__gte": today, "due_date__lte": before}
    if stage == Stage.OVERDUE:
        return {"due_date__lt": today}
    delay = dt.timedelta(days=settings.ESCALATION_DELAY_DAYS)
    return {"due_date__lte": today - delay}


def candidates(source: DeadlineSource, stage: str, today: dt.date) -> QuerySet:
    sent = Reminder.objects.filter(source=source.name, stage=stage, target_id=OuterRef("pk"))
    return (source.pending().filter(**stage_window(stage, today))
            .filter(~Exists(sent)).order_by("due_date", "pk"))


def remind_one(source: DeadlineSource, target_id: int, stage: str,
               today: dt.date) -> list[int] | None:
    """Send one stage for one target if it is still due; return the new notifications' ids,
    or None if nothing was due. Their e-mails are for the caller to queue."""
    with transaction.atomic():
        target = source.lock(target_id)
        if target is None:
            return None
        due = target.due_date
        if not source.pending().filter(pk=target_id, **stage_window(stage, today)).exists():
            return None
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(
                    source=source.name, target_id=target_id, stage=stage, due_date=due)
        except IntegrityError:
            return None
        org = source.organization(target)
        people = (escalation_recipients(org) if stage == Stage.ESCALATED
                  else source.owners(target))
        sent = notify(people, f"{source.name}.{stage}", target_id=target_id,
                      params={"stage": stage}, queue_email=False,
                      reminder_key=f"{source.name}:{target_id}:{stage}")
        reminder.recipients = len(sent)
        reminder.save(update_fields=["recipients"])
        return [n.pk for n in sent]


def run_reminders(today: dt.date, *, batch: int = 200, names: Iterable[str] | None = None,
                  limit: int | None = None) -> int:
    """Send every due stage of every registered source; return how many were sent."""
    sent = 0
    for source in sources():
        if names is not None and source.name not in names:
            continue
        for stage in (Stage.DUE_SOON, Stage.OVERDUE, Stage.ESCALATED):
            while True:
                ids = list(candidates(source, stage, today).values_list("pk", flat=True)[:batch])
                progressed, mails = False, []
                for pk in ids:
                    notified = remind_one(source, pk, stage, today)
                    if notified is not None:
                        sent, progressed = sent + 1, True
                        mails += notified
                    if limit is not None and sent >= limit:
                        break
                # One e-mail task per batch; were this lost, the outbox sweep sends them.
                if mails:
                    enqueue_emails(mails)
                if (limit is not None and sent >= limit) or len(ids) < batch or not progressed:
                    break
            if limit is not None and sent >= limit:
                return sent
    return sent
