from django import template

from ..selectors import published_answers

register = template.Library()


@register.simple_tag
def item_answers(item) -> list:
    """Return the published answers shown under a public item (the item page's Q&A)."""
    if item.state != "public":
        return []
    return list(published_answers(item))
