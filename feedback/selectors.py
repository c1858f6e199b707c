"""Reads of feedback and evaluation results for pages, built on ``feedback.permissions``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet

from disclosure.visibility import public_q
from portal.models import Organization
from portal.permissions import load_for

from .models import Ballot, Campaign, Feedback


def feedback_for_user(user, pk: int) -> Feedback:
    return load_for(user, Feedback, pk=pk)


def published_answers(item) -> QuerySet[Feedback]:
    """Questions and answers shown under a public item: replied feedback whose submitter
    consented to publishing the question or the answer (each part is shown only as
    consented) after the item reached the public. Consent given earlier, for the
    item's intra-party readers, publishes nothing until the submitter decides again. And
    only what the one who replied attested the confidentiality check for (the second look,
    ``confidentiality_checked``): consent alone never publishes."""
    return Feedback.objects.filter(
        Q(item=item) & (Q(allow_publish=True) | Q(allow_publish_question=True))
        & ~Q(reply="") & Q(state__in=[Feedback.State.REPLIED, Feedback.State.CLOSED])
        & Q(confidentiality_checked=True)
        & Q(consent_at__gte=F("item__public_at"))
        & Q(item__in=item.__class__.objects.filter(public_q()))
    ).order_by("replied_at")


class _Rates:
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


@dataclass
class Tally(_Rates):
    """Counted ballots: satisfied, fairly satisfied, not satisfied."""

    satisfied: int = 0
    fairly: int = 0
    unsatisfied: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.satisfied + other.satisfied, self.fairly + other.fairly,
                     self.unsatisfied + other.unsatisfied)


@dataclass
class Result(_Rates):
    """One organization's result: all ballots, with members' (and registered people's)
    and residents' (cast with a code) apart."""

    organization: Organization
    satisfied: int
    fairly: int
    unsatisfied: int
    members: Tally = field(default_factory=Tally)
    residents: Tally = field(default_factory=Tally)


def _split_counts(ballots: QuerySet[Ballot], *group_by: str) -> list[dict]:
    counts = {}
    for who, when in (("m", Q(code__isnull=True)), ("r", Q(code__isnull=False))):
        for rating, name in ((Ballot.Rating.SATISFIED, "satisfied"),
                             (Ballot.Rating.FAIRLY, "fairly"),
                             (Ballot.Rating.UNSATISFIED, "unsatisfied")):
            counts[f"{who}_{name}"] = Count("pk", filter=when & Q(rating=rating))
    rows = ballots.values(*group_by).annotate(**counts) if group_by else [
        ballots.aggregate(**counts)]
    return list(rows)


def _tallies(row: dict) -> tuple[Tally, Tally]:
    members = Tally(row.get("m_satisfied") or 0, row.get("m_fairly") or 0,
                    row.get("m_unsatisfied") or 0)
    residents = Tally(row.get("r_satisfied") or 0, row.get("r_fairly") or 0,
                      row.get("r_unsatisfied") or 0)
    return members, residents


def results(campaign: Campaign) -> list[Result]:
    """Per organization of the campaign: all ballots, members' and residents' apart."""
    counts = {row["organization"]: row for row in _split_counts(
        Ballot.objects.filter(campaign=campaign), "organization")}
    found = []
    for org in campaign.organizations.order_by("path"):
        members, residents = _tallies(counts.get(org.pk, {}))
        every = members + residents
        found.append(Result(org, every.satisfied, every.fairly, every.unsatisfied,
                            members=members, residents=residents))
    return found


@dataclass
class EvaluationFigures:
    """Satisfaction from the evaluations of a year: members, residents and all."""

    members: Tally
    residents: Tally
    all: Tally
    campaigns: int


def evaluation_figures(organization_ids: Iterable[int], year: int) -> EvaluationFigures:
    """Return the ballots cast for ``organization_ids`` in the campaigns closed (results
    published) in ``year``, counted for members, residents and all together. The year-end
    report reads this; campaigns still open do not count."""
    ids = list(organization_ids)
    campaigns = Campaign.objects.filter(state=Campaign.State.CLOSED, closed_at__year=year,
                                        organizations__in=ids).distinct()
    ballots = Ballot.objects.filter(organization_id__in=ids, campaign__in=campaigns)
    members, residents = _tallies(_split_counts(ballots)[0])
    return EvaluationFigures(members, residents, members + residents, campaigns.count())

from .selectors_supervision import SupervisionCounts, supervision_counts  # noqa: E402, F401
