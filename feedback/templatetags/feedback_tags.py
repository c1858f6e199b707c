from django import template

from ..selectors import published_answers

register = template.Library()


@register.simple_tag
def item_answers(item) -> list:
    """Return the published answers shown under an item everyone reads (the item page's
    Q&A); the selector decides which items those are."""
    return list(published_answers(item))


@register.simple_tag
def org_commitment(organization, user) -> dict | None:
    """Return this year's published commitment of ``organization`` that ``user`` may read,
    with the leaders' comments shown with it, for the organization's page."""
    from django.utils import timezone

    from ..models import Commitment
    from ..permissions import comments_with, visible_commitments

    found = visible_commitments(user).filter(
        organization=organization, state=Commitment.State.PUBLISHED,
        year__lte=timezone.localdate().year).order_by("-year").first()
    if found is None:
        return None
    published = [c for c in comments_with(user, found) if c.state == c.State.PUBLISHED]
    return {"commitment": found, "comments": published}
