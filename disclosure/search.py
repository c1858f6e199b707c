"""Chinese full-text search over items: overlapping two-character tokens plus Latin words.

Chinese has no spaces, so PostgreSQL's parsers find nothing inside a sentence. Each item's
title, body and attachment names are cut into tokens here — every two adjacent Chinese
characters (党费收缴 → 党费 费收 收缴) and every Latin word or number — and written as a
``tsvector`` with positions (title tokens weighted A), which a GIN index serves. A query is
cut the same way into a phrase query (党费 <-> 费收 <-> 收缴), so a two-character word
such as 党费 is answered from the index. SQLite, used only for the demo, falls back to a
substring search.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUNS = re.compile(rf"[{CJK}]+|[0-9a-z]+")
MAX_POSITION = 16383  # PostgreSQL's limit for lexeme positions
RANKED_MATCHES = 500  # a search ranks at most this many of the newest matches


@dataclass(frozen=True)
class Token:
    text: str
    position: int


def runs(text: str) -> list[str]:
    """Return the Chinese runs and Latin words of ``text``, lower-cased, in order."""
    return RUNS.findall((text or "").lower())


def tokens_of_run(run: str) -> list[str]:
    if re.fullmatch(rf"[{CJK}]+", run):
        if len(run) == 1:
            return [run]
        return [run[i:i + 2] for i in range(len(run) - 1)]
    return [run]


def tokenize(text: str, start: int = 1) -> list[Token]:
    """Cut ``text`` into positioned tokens; a gap of one position separates runs."""
    result, position = [], start
    for run in runs(text):
        for token in tokens_of_run(run):
            result.append(Token(token, min(position, MAX_POSITION)))
            position += 1
        position += 1  # runs are not adjacent: a phrase never spans two of them
    return result


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(title: str, rest: str) -> str:
    """Return a tsvector literal: title tokens weighted A, body and file names D."""
    title_tokens = tokenize(title)
    start = (title_tokens[-1].position + 2) if title_tokens else 1
    lexemes: dict[str, list[str]] = {}
    for token in title_tokens:
        lexemes.setdefault(token.text, []).append(f"{token.position}A")
    for token in tokenize(rest, start):
        lexemes.setdefault(token.text, []).append(f"{token.position}")
    return " ".join(f"{_quote(text)}:{','.join(pos[:256])}" for text, pos in lexemes.items())


def tsquery_literal(query: str) -> str | None:
    """Return a tsquery for ``query``: each run a phrase, all runs required."""
    parts = []
    for run in runs(query)[:20]:
        pieces = tokens_of_run(run)
        if len(pieces) == 1 and len(run) == 1 and re.fullmatch(rf"[{CJK}]", run):
            parts.append(f"{_quote(run)}:*")  # one character: the tokens starting with it
        else:
            parts.append("(" + " <-> ".join(_quote(p) for p in pieces) + ")")
    return " & ".join(parts) or None


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def reindex(item_id: int) -> None:
    """Rewrite the search vector of one item from its title, body and attachment names."""
    if not is_postgres():
        return
    from .models import Attachment, DisclosureItem

    item = DisclosureItem.objects.filter(pk=item_id).values("title", "body").first()
    if item is None:
        return
    names = " ".join(Attachment.objects.filter(item_id=item_id)
                     .values_list("original_name", flat=True))
    literal = tsvector_literal(item["title"], f"{item['body']} {names}")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE disclosure_disclosureitem SET search_vector = %s::tsvector WHERE id = %s",
            [literal, item_id],
        )


def search(items: QuerySet, query: str) -> QuerySet:
    """Filter ``items`` (already visible to the user) by ``query``, best matches first."""
    query = (query or "").strip()
    if not query:
        return items
    if not is_postgres():
        condition = Q()
        for run in runs(query) or [query.lower()]:
            condition &= Q(title__icontains=run) | Q(body__icontains=run) | Q(
                attachments__original_name__icontains=run)
        return items.filter(condition).distinct()
    literal = tsquery_literal(query)
    if literal is None:
        return items.none()
    # Ranking reads every match's vector; a common word such as 党费 matches a large part
    # of the portal. So the newest matches (as many as RANKED_MATCHES) are taken first, in
    # the list's own index order, and ranked among themselves. Their ids are read once, so
    # that the page and its count do not both search again.
    newest = newest_match_ids(items, literal, estimated_share(query))
    return (
        items.filter(pk__in=newest)
        .annotate(rank=RawSQL("ts_rank_cd(disclosure_disclosureitem.search_vector, %s::tsquery)",
                              [literal], output_field=FloatField()))
        .order_by(F("rank").desc(), "-pk")
    )


# Walking the list newest first reads about RANKED_MATCHES / share rows to find its matches;
# the search index reads every match and sorts them. Measured at a million items (the
# newest 500 of what a reader may browse): a word in 40 % of all items walks in 15–20 ms
# and costs 1–2.8 s from the search index; one in 1–2 % costs 130–150 ms either way.
WALK_SHARE = 0.02  # below: the search index at once
COMMON_SHARE = 0.2  # from here: the walk, with COMMON_WALK_MILLISECONDS
# The walk's time for a common word. Alone it takes 15–20 ms; on a busy server several
# times that, and cutting it off would cost seconds: only a word common in the portal but
# absent from what the reader may see reaches this.
COMMON_WALK_MILLISECONDS = 1000
# Between the two shares a word may be rare among what readers may see (公示: 5 % of all
# items, 95 of them to browse: a walk of 5 s against 0.3 s from the index) or not (廉洁:
# 4 %, walk 134 ms, index 322 ms). It walks for this long; cut off, the search index
# answers, and does so at once for that query for REMEMBER_SECONDS.
UNCERTAIN_WALK_MILLISECONDS = 300
REMEMBER_SECONDS = 3600
WALK_MILLISECONDS = 150  # the walk's time when the share of a query is not known
QUERY_CANCELED = "57014"  # PostgreSQL's code for a statement cut off by its timeout
STATISTICS_SECONDS = 600  # how long a process keeps the lexeme statistics it read
_statistics: tuple[float, dict[str, float] | None] = (float("-inf"), None)


def lexeme_shares() -> dict[str, float] | None:
    """Return the share of items holding each of the most common lexemes of the search
    index, from the statistics ANALYZE keeps (``pg_stats``), or None before there are any.
    Read once per process every ``STATISTICS_SECONDS``."""
    global _statistics
    now = time.monotonic()
    if now - _statistics[0] < STATISTICS_SECONDS:
        return _statistics[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = 'disclosure_disclosureitem' "
            "AND attname = 'search_vector'")
        row = cursor.fetchone()
    # The frequencies end with three figures of their own (least, most, nulls): zip stops
    # at the last lexeme.
    shares = dict(zip(row[0], row[1], strict=False)) if row and row[0] else None
    _statistics = (now, shares)
    return shares


def forget_statistics() -> None:
    """Make the next search read the lexeme statistics again (after ANALYZE, in tests)."""
    global _statistics
    _statistics = (float("-inf"), None)


def estimated_share(query: str) -> float | None:
    """Return about what share of all items match ``query`` at most, or None if unknown.

    A phrase matches no more items than its rarest token; all runs are required, so the
    query no more than its rarest run. A token missing from the most common lexemes is
    rarer than all of them: its share counts as 0. One character matches the tokens that
    start with it: at least as many items as the commonest of those."""
    if not is_postgres():
        return None
    shares = lexeme_shares()
    if shares is None:
        return None
    result = 1.0
    for run in runs(query)[:20]:
        pieces = tokens_of_run(run)
        if len(pieces) == 1 and len(run) == 1 and re.fullmatch(rf"[{CJK}]", run):
            share = max((s for lexeme, s in shares.items() if lexeme.startswith(run)),
                        default=0.0)
        else:
            share = min(shares.get(piece, 0.0) for piece in pieces)
        result = min(result, share)
    return result


def walk_limit(literal: str, share: float | None) -> int | None:
    """Return how long the walk for ``literal`` may take (ms), or None for the search
    index at once (see the shares above)."""
    if share is None:
        return WALK_MILLISECONDS
    if share < WALK_SHARE:
        return None
    if share >= COMMON_SHARE:
        return COMMON_WALK_MILLISECONDS
    try:
        if cache.get(_cut_off_key(literal)):
            return None
    except Exception:  # noqa: BLE001 - without the cache, the walk is tried
        pass
    return UNCERTAIN_WALK_MILLISECONDS


def _cut_off_key(literal: str) -> str:
    return "search-walk-cut-off:" + hashlib.sha256(literal.encode()).hexdigest()


def _remember_cut_off(literal: str, limit: int) -> None:
    if limit != UNCERTAIN_WALK_MILLISECONDS:
        return  # a common word's walk cut off is rare for one reader, not for the others
    with contextlib.suppress(Exception):  # without the cache, the walk is tried again
        cache.set(_cut_off_key(literal), 1, REMEMBER_SECONDS)


def newest_match_ids(items: QuerySet, literal: str, share: float | None = None) -> list[int]:
    """Return the ids of the newest matches, by the quicker of two ways.

    A common word is found fastest by walking the list's index newest first until enough
    matches turn up; a rare one from the search index, whose matches are then sorted. The
    choice is made by the query's ``share`` of all items (:func:`estimated_share`), so that
    it does not depend on how busy the server is (:func:`walk_limit`). A walk gets a time
    limit all the same, because a word common in the portal may be rare among what
    ``items`` holds (公示 in thousands of intra-party items, few of them public) and make
    the walk read the whole index (seconds at a million items): cut off, the search index
    answers.

    Each way runs in a transaction of its own, so that its setting (``SET LOCAL``) ends
    with it: four statements for a walk. Inside a transaction already (a test's), the walk
    runs in a savepoint and the settings are reset before leaving."""
    limit = walk_limit(literal, share)
    if connection.in_atomic_block:
        return _newest_match_ids_nested(items, literal, limit)
    if limit is not None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [limit])
                return list(newest_matches(items, literal))
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) != QUERY_CANCELED:
                raise
        _remember_cut_off(literal, limit)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")  # the GIN index, by bitmap
        return list(newest_matches(items, literal))


def _newest_match_ids_nested(items: QuerySet, literal: str, limit: int | None) -> list[int]:
    """:func:`newest_match_ids` inside a transaction that goes on after it; ``limit`` is
    the walk's time, None for the search index at once."""
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            if limit is not None:
                cursor.execute("SET LOCAL statement_timeout = %s", [limit])
                try:
                    with transaction.atomic():
                        return list(newest_matches(items, literal))
                except OperationalError as error:
                    if getattr(error.__cause__, "pgcode", None) != QUERY_CANCELED:
                        raise
                _remember_cut_off(literal, limit)
                cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SET LOCAL enable_indexscan = off")  # the GIN index, by bitmap
            return list(newest_matches(items, literal))
        finally:
            cursor.execute("RESET statement_timeout")
            cursor.execute("RESET enable_indexscan")


def newest_matches(items: QuerySet, literal: str) -> QuerySet:
    """Return the ids of the newest ``RANKED_MATCHES`` items matching a tsquery literal."""
    return (items.filter(search_vector__matches=literal).order_by("-internal_at", "-pk")
            .values_list("pk", flat=True)[:RANKED_MATCHES])


def plain(markdown_source: str) -> str:
    """Return Markdown source without its markup characters, for snippets."""
    return re.sub(r"\s+", " ", re.sub(r"[#*|>`_~\[\]()-]+", " ", markdown_source or "")).strip()


def highlight(text: str, query: str, *, length: int | None = None) -> SafeString:
    """Return ``text`` escaped, with the query's words marked; cut to a snippet around the
    first match when ``length`` is given."""
    words = sorted({w for w in runs(query) if w}, key=len, reverse=True)
    text = text or ""
    if length is not None and len(text) > length:
        lowered = text.lower()
        hits = [lowered.find(w) for w in words if lowered.find(w) >= 0]
        start = max(0, min(hits) - length // 3) if hits else 0
        text = ("…" if start else "") + text[start:start + length] + "…"
    if not words:
        return mark_safe(escape(text))  # noqa: S308 - escaped just now
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above
