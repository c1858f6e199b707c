"""Path converters for the fixed words in URLs (a step, a decision), so that no pattern
can swallow another one's URL whatever order the URL configurations are included in."""

from __future__ import annotations

from django.urls import register_converter


class Words:
    """Match exactly one of the class's words."""

    words: frozenset[str] = frozenset()
    regex = ""

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        if value not in self.words:
            raise ValueError(value)
        return value


def register_words(name: str, *words: str) -> None:
    """Register the converter ``name`` matching exactly one of ``words``."""
    converter = type(f"Words_{name}", (Words,), {
        "words": frozenset(words), "regex": "|".join(sorted(words, key=len, reverse=True))})
    register_converter(converter, name)


register_words("item_step", "submit", "publish-internal", "release-public")
register_words("decision", "approve", "reject")
register_words("filing_decision", "acknowledge", "return")
register_words("export_format", "csv", "xlsx")
register_words("feedback_step", "accept", "start", "reply", "close")
register_words("order_step", "respond", "close", "send-back")
register_words("register_format", "csv", "xlsx", "zip")
register_words("ledger_step", "take-down", "evidence", "void")
register_words("ledger_format", "xlsx", "zip")
register_words("report_step", "refresh", "file")
register_words("report_format", "docx", "pdf")
