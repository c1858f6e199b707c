"""Reads of feedback and evaluation results for pages, built on ``feedback.permissions``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from disclosure.visibility import public_q
from portal.models import Organization
from portal.permissions import load_for

from .models import Ballot, Campaign, Feedback


def feedback_for_user(user, pk: int) -> Feedback:
    return load_for(user, Feedback, pk=pk)


def published_answers(item) -> QuerySet[Feedback]:
    """Answers shown under a public item: the submitter allowed it and the item is public."""
    return Feedback.objects.filter(
        Q(item=item) & Q(allow_publish=True) & ~Q(reply="")
        & Q(state__in=[Feedback.State.REPLIED, Feedback.State.CLOSED])
        & Q(item__in=item.__class__.objects.filter(public_q()))
    ).order_by("replied_at")


@dataclass
class Result:
    organization: Organization
    satisfied: int
    fairly: int
    unsatisfied: int

    @property
    def total(self) -> int:
        return self.satisfied + self.fairly + self.unsatisfied

    @property
    def satisfaction_rate(self) -> float | None:
        """Satisfied and fairly satisfied as a share of all ballots, in percent."""
        return round(100 * (self.satisfied + self.fairly) / self.total, 1) if self.total else None

    def share(self, count: int) -> float:
        return round(100 * count / self.total, 1) if self.total else 0.0


def results(campaign: Campaign) -> list[Result]:
    counts: dict[int, dict] = {
        row["organization"]: dict(row) for row in Ballot.objects.filter(campaign=campaign)
        .values("organization").annotate(
            satisfied=Count("pk", filter=Q(rating=Ballot.Rating.SATISFIED)),
            fairly=Count("pk", filter=Q(rating=Ballot.Rating.FAIRLY)),
            unsatisfied=Count("pk", filter=Q(rating=Ballot.Rating.UNSATISFIED)))
    }
    found = []
    for org in campaign.organizations.order_by("path"):
        row = counts.get(org.pk, {})
        found.append(Result(org, row.get("satisfied", 0), row.get("fairly", 0),
                            row.get("unsatisfied", 0)))
    return found



from .selectors_supervision import SupervisionCounts, supervision_counts  # noqa: E402, F401
