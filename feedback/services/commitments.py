"""公开承诺 (draft, sign and publish, revise by a new version) and 领导点评."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import workflow
from portal.models import Organization, User
from portal.roles import acts_for
from portal.workflow import TransitionError

from ..models import Commitment, LeaderComment
from ..permissions import may_comment

ONE_PER_YEAR = gettext_lazy("%(organization)s already has a published commitment for %(year)s; "
                        "revise it with a new version instead.")


def _year(year: int) -> int:
    today = timezone.localdate().year
    if not isinstance(year, int) or not today - 5 <= year <= today + 1:
        raise ValidationError({"year": _("Choose a year between %(low)s and %(high)s.")
                               % {"low": today - 5, "high": today + 1}})
    return year


def _text(text: str, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("Write the text.")})
    if len(text) > 10000:  # refused, never cut
        raise ValidationError({field: MaxLengthValidator(10000).message % {
            "limit_value": 10000, "show_value": len(text)}})
    return text


def _published(organization_id: int, year: int) -> Commitment | None:
    return Commitment.objects.filter(organization_id=organization_id, year=year,
                                     state=Commitment.State.PUBLISHED).first()


@transaction.atomic
def commitment_draft(*, organization: Organization, actor: User, year: int, text: str,
                     audience: str = Commitment.Audience.PUBLIC) -> Commitment:
    """Start the year's commitment of ``organization`` as a draft (its officers). When the
    year already has a published one, the draft is refused: it is revised instead."""
    if not acts_for(actor, organization):
        raise PermissionDenied
    year, text = _year(year), _text(text)
    if audience not in Commitment.Audience.values:
        raise ValidationError({"audience": _("Choose who may read it.")})
    if _published(organization.pk, year) is not None:
        raise ValidationError({"year": ONE_PER_YEAR % {"organization": organization,
                                                       "year": year}})
    if Commitment.objects.filter(organization=organization, year=year,
                                 state=Commitment.State.DRAFT).exists():
        raise ValidationError({"year": _("A draft for %(year)s exists already; edit it.")
                               % {"year": year}})
    return _new(organization, actor, year, text, audience, None)


def _new(organization, actor, year, text, audience, supersedes) -> Commitment:
    version = (Commitment.objects.filter(organization=organization, year=year)
               .aggregate(top=Max("version"))["top"] or 0) + 1
    try:
        with transaction.atomic():
            return workflow.create(Commitment(
                organization=organization, year=year, text=text, audience=audience,
                version=version, supersedes=supersedes, drafted_by=actor), actor)
    except IntegrityError as error:
        raise TransitionError(_("Someone else changed this commitment at the same time; "
                                "reload the page.")) from error


@transaction.atomic
def commitment_edit(*, commitment_id: int, actor: User, text: str,
                    audience: str) -> Commitment:
    if audience not in Commitment.Audience.values:
        raise ValidationError({"audience": _("Choose who may read it.")})
    return workflow.transition(Commitment, commitment_id, "edit", actor=actor,
                               changes={"text": _text(text), "audience": audience})


@transaction.atomic
def commitment_revise(*, commitment_id: int, actor: User) -> Commitment:
    """Start a new version of a published commitment as a draft with its text; the
    published one stays in force until the new version is signed."""
    current = workflow.begin(Commitment, commitment_id, "revise", actor)
    existing = Commitment.objects.filter(supersedes=current).first()
    if existing is not None:
        return existing
    return _new(current.organization, actor, current.year, current.text, current.audience,
                current)


@transaction.atomic
def commitment_publish(*, commitment_id: int, actor: User) -> Commitment:
    """Sign and publish a draft: only the organization's secretary signs, with their name
    and the time. A new version supersedes the published one in the same transaction;
    a second published commitment for the year is refused."""
    draft = workflow.begin(Commitment, commitment_id, "publish", actor)
    current = Commitment.objects.select_for_update().filter(
        organization_id=draft.organization_id, year=draft.year,
        state=Commitment.State.PUBLISHED).first()
    if current is not None:
        if draft.supersedes_id != current.pk:
            raise TransitionError(ONE_PER_YEAR % {"organization": draft.organization,
                                                  "year": draft.year})
        workflow.transition(Commitment, current.pk, "supersede", actor=actor, obj=current)
    try:
        with transaction.atomic():
            return workflow.transition(
                Commitment, draft.pk, "publish", actor=actor, obj=draft,
                changes={"signed_by": actor, "signed_name": actor.display_name})
    except IntegrityError as error:
        raise TransitionError(ONE_PER_YEAR % {"organization": draft.organization,
                                              "year": draft.year}) from error


@transaction.atomic
def leader_comment_record(*, organization: Organization, actor: User, year: int, text: str,
                          publish: bool = False) -> LeaderComment:
    """Record the superior side's comment on an organization's disclosure work in a year,
    published with the commitment (``publish``) or kept among the officers."""
    if not may_comment(actor, organization):
        raise PermissionDenied
    comment = LeaderComment(organization=organization, year=_year(year),
                            text=_text(text), author=actor, author_name=actor.display_name)
    if publish:
        comment.state = LeaderComment.State.PUBLISHED
        comment.published_at = timezone.now()
    return workflow.create(comment, actor)


@transaction.atomic
def leader_comment_publish(*, comment_id: int, actor: User) -> LeaderComment:
    return workflow.transition(LeaderComment, comment_id, "publish", actor=actor)


@transaction.atomic
def leader_comment_unpublish(*, comment_id: int, actor: User) -> LeaderComment:
    return workflow.transition(LeaderComment, comment_id, "unpublish", actor=actor)


__all__ = ["commitment_draft", "commitment_edit", "commitment_publish", "commitment_revise",
           "leader_comment_publish", "leader_comment_record", "leader_comment_unpublish"]
