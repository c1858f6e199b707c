"""Chinese search: two-character and longer words and Latin words, from the index, ranked,
highlighted, and never past the visibility module."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from disclosure import search
from disclosure.models import DisclosureItem, State
from disclosure.visibility import visible_items

pytestmark = pytest.mark.django_db


def test_tokenizer_cuts_overlapping_pairs_and_latin_words():
    tokens = [t.text for t in search.tokenize("党费收缴 PDF版2026")]
    assert tokens == ["党费", "费收", "收缴", "pdf", "版", "2026"]
    assert search.tsquery_literal("党费") == "('党费')"
    assert search.tsquery_literal("党费收缴 pdf") == "('党费' <-> '费收' <-> '收缴') & ('pdf')"


@pytest.fixture
def corpus(world):
    items = {
        "fees": world.item(State.PUBLIC, title="第三季度党费收缴、管理和使用情况"),
        "study": world.item(State.PUBLIC, title="理论学习计划"),
        "secret": world.item(State.INTERNAL, title="绝密标记XJ7Q 党费内部核对"),
    }
    DisclosureItem.objects.filter(pk=items["study"].pk).update(body="学习 Xi Jinping Thought")
    search.reindex(items["study"].pk)
    return items


def found(user, query: str) -> list[str]:
    return [item.title for item in search.search(visible_items(user), query)]


def test_two_character_word_is_found(world, corpus):
    assert found(world.users["outsider"], "党费") == ["第三季度党费收缴、管理和使用情况"]


def test_longer_word_and_phrase_order(world, corpus):
    assert found(world.users["outsider"], "收缴、管理") == ["第三季度党费收缴、管理和使用情况"]
    assert found(world.users["outsider"], "缴收") == []


def test_latin_word_in_body(world, corpus):
    assert found(world.users["outsider"], "jinping") == ["理论学习计划"]


def test_internal_item_found_only_by_those_who_may_see_it(world, corpus):
    assert found(world.users["outsider"], "XJ7Q") == []
    assert found(world.users["other_member"], "XJ7Q") == []
    assert found(world.users["member"], "xj7q") == ["绝密标记XJ7Q 党费内部核对"]
    page = Client().get("/items/", {"q": "内部核对"})  # words of the hidden title
    assert "XJ7Q" not in page.content.decode()
    assert page.context["page"].paginator.count == 0


def test_title_matches_rank_above_body_matches(world, corpus):
    body_only = world.item(State.PUBLIC, title="支部工作总结")
    DisclosureItem.objects.filter(pk=body_only.pk).update(body="其中涉及党费的使用")
    search.reindex(body_only.pk)
    assert found(world.users["outsider"], "党费")[0] == "第三季度党费收缴、管理和使用情况"


def test_attachment_names_are_searchable(world):
    item = world.item(State.PUBLIC, title="支部工作总结", attachment=b"x")
    assert found(world.users["outsider"], "附件") == [item.title]


def test_two_character_query_uses_the_gin_index(world, corpus):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        literal = search.tsquery_literal("党费")
        assert literal is not None
        query = search.newest_matches(DisclosureItem.objects.all(), literal).query
        sql, params = query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "item_search_gin" in plan, plan


def test_results_page_highlights_and_escapes(world, corpus, client):
    html = client.get("/items/", {"q": "党费"}).content.decode()
    assert "第三季度<mark>党费</mark>收缴" in html
    evil = world.item(State.PUBLIC, title="<b>党费</b>说明")
    html = client.get("/items/", {"q": "党费"}).content.decode()
    assert "&lt;b&gt;<mark>党费</mark>&lt;/b&gt;说明" in html
    assert evil.pk


def test_search_filters_combine(world, corpus, client):
    page = client.get("/items/", {"q": "党费", "organization": "B2"})
    assert page.context["page"].paginator.count == 0
    page = client.get("/items/", {"q": "党费", "organization": "G", "subtree": "on",
                                  "category": corpus["fees"].category})
    assert page.context["page"].paginator.count == 1


def test_search_page_queries_do_not_grow(world, corpus, client):
    from portal import pagecache

    client.get("/items/", {"q": "党费"})
    pagecache.changed()  # count the queries of the page as it renders, not as it is kept
    with CaptureQueriesContext(connection) as few:
        client.get("/items/", {"q": "党费"})
    for i in range(5):
        world.item(State.PUBLIC, title=f"党费公开{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/items/", {"q": "党费"})
    assert len(many) == len(few) > 0


def cut_off_the_first_walk(monkeypatch) -> list[str]:
    """Make the first walk outlast its time limit; return the list of walks made."""
    walks: list[str] = []
    real = search.newest_matches

    def slow_first(items, literal):
        walks.append(literal)
        if len(walks) == 1:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(2)")  # cut off by the walk's limit
        return real(items, literal)

    monkeypatch.setattr(search, "newest_matches", slow_first)
    return walks


def assert_settings_as_they_were() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.skipif(not search.is_postgres(), reason="the walk's time limit is PostgreSQL's")
def test_a_walk_that_runs_long_gives_way_to_the_search_index(world, corpus, monkeypatch):
    """A word rare among what the reader may see makes the walk newest first read the
    whole list: cut off after its time, the matches come from the search index instead,
    the same ones, and the connection's settings are as they were."""
    from django.contrib.auth.models import AnonymousUser

    expected = found(AnonymousUser(), "党费")
    walks = cut_off_the_first_walk(monkeypatch)
    assert found(AnonymousUser(), "党费") == expected == ["第三季度党费收缴、管理和使用情况"]
    assert len(walks) == 2
    assert_settings_as_they_were()


@pytest.mark.skipif(not search.is_postgres(), reason="the walk's time limit is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_each_way_runs_in_one_of_its_own(world, corpus, monkeypatch):
    """As in a request: the walk is four statements (its setting ends with its own
    transaction, no savepoint, nothing to reset), and a walk cut off gives way to the
    search index with the same matches, the connection's settings as they were."""
    from django.contrib.auth.models import AnonymousUser

    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as walk:
        expected = search.newest_match_ids(visible_items(AnonymousUser()),
                                           search.tsquery_literal("党费"))
    statements = [q["sql"].split()[0].upper() for q in walk.captured_queries]
    assert statements == ["BEGIN", "SET", "SELECT", "COMMIT"], statements
    assert len(expected) == 1
    walks = cut_off_the_first_walk(monkeypatch)
    assert found(AnonymousUser(), "党费") == ["第三季度党费收缴、管理和使用情况"]
    assert len(walks) == 2
    assert_settings_as_they_were()


@pytest.fixture
def analyzed(corpus):
    """The planner's statistics of the items, as ANALYZE keeps them on a running server."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE disclosure_disclosureitem")
    search.forget_statistics()
    yield corpus
    search.forget_statistics()


def recorded_walks(monkeypatch) -> list[str]:
    """Record each reading of the matches and the statements around it."""
    readings: list[str] = []
    real = search.newest_matches

    def record(items, literal):
        readings.append(literal)
        return real(items, literal)

    monkeypatch.setattr(search, "newest_matches", record)
    return readings


@pytest.mark.skipif(not search.is_postgres(), reason="the statistics are PostgreSQL's")
def test_the_share_of_a_query_comes_from_the_statistics(world, analyzed):
    """Every item holds 党费 here but for the study plan; a phrase is no commoner than its
    rarest token, one character as common as its commonest token, and a word the
    statistics do not list counts as rare."""
    shares = search.lexeme_shares()
    assert shares is not None and shares["党费"] > shares["学习"] > 0
    assert search.estimated_share("党费") == shares["党费"]
    assert search.estimated_share("党费收缴") == min(shares["党费"], shares["费收"], shares["收缴"])
    assert search.estimated_share("党") == max(s for k, s in shares.items() if k[0] == "党")
    assert search.estimated_share("党费 学习") == shares["学习"]
    assert search.estimated_share("无此词语") == 0.0
    search.forget_statistics()
    with CaptureQueriesContext(connection) as reads:
        search.lexeme_shares()
        search.lexeme_shares()
    assert len(reads) == 1  # kept by the process


@pytest.mark.skipif(not search.is_postgres(), reason="the statistics are PostgreSQL's")
def test_a_rare_word_is_read_from_the_search_index_at_once(world, analyzed, monkeypatch):
    """Below the walk's share no walk is tried (however idle the server): the search index
    answers, with what the walk would have found."""
    from django.contrib.auth.models import AnonymousUser

    items = visible_items(AnonymousUser())
    literal = search.tsquery_literal("党费")
    walked = search.newest_match_ids(items, literal, share=None)
    readings = recorded_walks(monkeypatch)
    with CaptureQueriesContext(connection) as statements:
        assert search.newest_match_ids(items, literal, share=search.WALK_SHARE / 2) == walked
    assert len(readings) == 1
    sql = " ".join(q["sql"] for q in statements.captured_queries)
    assert "enable_indexscan = off" in sql and "statement_timeout =" not in sql
    assert_settings_as_they_were()


@pytest.mark.skipif(not search.is_postgres(), reason="the statistics are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_common_word_walks_with_the_longer_time(world, corpus, monkeypatch):
    """A request's search for a word the statistics call common walks, with time to
    spare under load, and finds the same items. (The statistics are given here: ANALYZE
    outside a test's transaction would stay for the tests after.)"""
    from django.contrib.auth.models import AnonymousUser

    monkeypatch.setattr(search, "lexeme_shares", lambda: {"党费": 0.4, "学习": 0.1})
    assert search.estimated_share("党费") >= search.WALK_SHARE
    readings = recorded_walks(monkeypatch)
    with CaptureQueriesContext(connection) as statements:
        assert found(AnonymousUser(), "党费") == ["第三季度党费收缴、管理和使用情况"]
    assert len(readings) == 1
    limits = [q["sql"] for q in statements.captured_queries if "statement_timeout" in q["sql"]]
    assert limits == [f"SET LOCAL statement_timeout = {search.COMMON_WALK_MILLISECONDS}"]
    assert_settings_as_they_were()


@pytest.mark.skipif(not search.is_postgres(), reason="the walk's time limit is PostgreSQL's")
def test_an_uncertain_word_cut_off_once_is_read_from_the_search_index_after(
        world, corpus, monkeypatch):
    """A word of a few percent of all items may be rare among what readers may see: its
    walk cut off, the next searches for it go to the search index at once, with the same
    matches. A common word's walk cut off is not remembered: for other readers it is
    quick."""
    from django.contrib.auth.models import AnonymousUser

    monkeypatch.setattr(search, "lexeme_shares", lambda: {"党费": 0.05, "学习": 0.4})
    expected = ["第三季度党费收缴、管理和使用情况"]
    readings = cut_off_the_first_walk(monkeypatch)
    assert found(AnonymousUser(), "党费") == expected
    assert len(readings) == 2  # the walk, cut off after its time, and the search index
    with CaptureQueriesContext(connection) as statements:
        assert found(AnonymousUser(), "党费") == expected
    assert len(readings) == 3
    assert "statement_timeout =" not in " ".join(q["sql"] for q in statements.captured_queries)

    readings.clear()  # the next reading is a first one again: cut off
    assert found(AnonymousUser(), "学习") == ["理论学习计划"]
    assert found(AnonymousUser(), "学习") == ["理论学习计划"]
    assert len(readings) == 3  # cut off and answered by the index once, then walked
    assert search.walk_limit(search.tsquery_literal("学习"), 0.4) == (
        search.COMMON_WALK_MILLISECONDS)
    assert_settings_as_they_were()
