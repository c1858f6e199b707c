from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """Return the current query string with ``changes`` applied (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.inclusion_tag("portal/_calendar_warning.html")
def calendar_warning() -> dict:
    """A warning when the coming year's holidays are not in the calendar yet."""
    from portal.holidays import calendar_gap, missing_year_message

    year = calendar_gap()
    return {"message": missing_year_message(year) if year is not None else ""}


@register.simple_tag
def item_rows(items):
    """The rows of an item list (``disclosure.rows``: drawn once, then kept)."""
    from disclosure.rows import render_rows

    return render_rows(items)
