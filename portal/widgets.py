from html import escape

from django import forms
from django.utils.safestring import SafeString, mark_safe


class DateInput(forms.DateInput):
    """An HTML date picker: it only understands ISO dates, whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs=None, format=None) -> None:  # noqa: A002 - Django's name
        super().__init__(attrs, format or "%Y-%m-%d")


class FastSelect(forms.Select):
    """A select whose options are written in one pass of plain string joins instead of a
    template each: a menu of every organization of a city has thousands of options, which
    Django's per-option templates (and even ``format_html``) take a good part of a page's
    time to render. Options are ``(value, label)`` pairs; a label may start with spaces to
    show depth.

    ``written`` takes options already written by :func:`write_options` (a long menu that is
    the same for every reader, kept in the cache): they follow ``choices``, and the chosen
    one is marked on the way out, so that the menu costs neither building nor escaping."""

    written: str = ""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        from django.forms.utils import flatatt

        chosen = "" if value is None else str(value)
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = write_options(self.choices, chosen)
        if self.written:
            opening = f'<option value="{escape(chosen)}">'
            options += self.written.replace(
                opening, f'<option value="{escape(chosen)}" selected>', 1
            ) if chosen else self.written
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 - escaped


def write_options(pairs, chosen: str = "") -> str:
    """``<option>`` elements of ``(value, label)`` pairs, the ``chosen`` value selected."""
    return "".join(
        f'<option value="{escape(str(key))}"{" selected" if str(key) == chosen else ""}>'
        f"{escape(str(label))}</option>" for key, label in pairs)
