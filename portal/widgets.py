from django import forms
from django.utils.safestring import SafeString


class DateInput(forms.DateInput):
    """An HTML date picker: it only understands ISO dates, whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs=None, format=None) -> None:  # noqa: A002 - Django's name
        super().__init__(attrs, format or "%Y-%m-%d")


class FastSelect(forms.Select):
    """A select whose options are written in one pass instead of one template each: a
    menu of every organization of a city has thousands of options, which Django's
    per-option templates take a good part of a page's time to render. Options are
    ``(value, label)`` pairs; the label may start with spaces to show depth."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        from django.forms.utils import flatatt
        from django.utils.html import format_html, format_html_join

        chosen = "" if value is None else str(value)
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = format_html_join("", "<option value=\"{}\"{}>{}</option>", (
            (key, " selected" if str(key) == chosen else "", label)
            for key, label in self.choices))
        return format_html("<select{}>{}</select>", flatatt(final), options)
