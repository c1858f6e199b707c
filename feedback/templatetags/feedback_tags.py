from django import template

from ..selectors import published_answers

register = template.Library()


@register.simple_tag
def item_answers(item) -> list:
    """Return the published answers shown under an item everyone reads (the item page's
    Q&A); the selector decides which items those are."""
    return list(published_answers(item))
