"""Who sees which feedback, built on the role questions and the visibility module."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from disclosure.visibility import public_q
from portal.roles import has_org_perm, org_ids_with, supervised_subtree_q, supervises

from .models import Feedback


def handled_feedback(user) -> QuerySet[Feedback]:
    """Feedback the user handles (secretaries) or oversees (supervisors)."""
    if user.is_superuser:
        return Feedback.objects.all()
    query = Q(organization_id__in=org_ids_with(user, "publish"))
    if (subtree := supervised_subtree_q(user, prefix="organization__")) is not None:
        query |= subtree
    return Feedback.objects.filter(query)


def can_handle(user, feedback: Feedback) -> bool:
    return has_org_perm(user, "publish", feedback.organization_id)


def can_read(user, feedback: Feedback) -> bool:
    if user.is_authenticated and feedback.author_id == user.pk:
        return True
    return bool(user.is_authenticated and (can_handle(user, feedback)
                                           or supervises(user, feedback.organization)))


def feedback_for_user(user, pk: int) -> Feedback:
    feedback = get_object_or_404(Feedback.objects.select_related("organization", "item"), pk=pk)
    if not can_read(user, feedback):
        raise Http404
    return feedback


def published_answers(item) -> QuerySet[Feedback]:
    """Answers shown under a public item: the submitter allowed it and the item is public."""
    return Feedback.objects.filter(
        Q(item=item) & Q(allow_publish=True) & ~Q(reply="")
        & Q(status__in=[Feedback.Status.REPLIED, Feedback.Status.CLOSED])
        & Q(item__in=item.__class__.objects.filter(public_q()))
    ).order_by("replied_at")
