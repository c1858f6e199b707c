from django import forms


class DateInput(forms.DateInput):
    """An HTML date picker: it only understands ISO dates, whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs=None, format=None) -> None:  # noqa: A002 - Django's name
        super().__init__(attrs, format or "%Y-%m-%d")
