"""No stale visibility, with the caches of production on (Redis): the anonymous page cache,
each person's cached rights, item grants, account and session, the list counts. Every
transition that changes who may see something takes effect on the very next request, on
pages, search, feeds, the API and counts."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from django.conf import settings as django_settings
from django.test import Client

from disclosure import services
from disclosure.models import DisclosureRequest, State
from portal.models import Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TITLE = "蓝湖社区党费专项说明"
WORD = "蓝湖社区"


@pytest.fixture(autouse=True)
def redis_cache(settings):
    """The production cache (Redis), with the session engine production uses with it."""
    import redis

    # The cache database of this test process (make test gives each process its own: a
    # shared one would be emptied by another process's tests), else one by the broker's.
    location = str(django_settings.CACHES["default"].get("LOCATION", ""))
    if not location.startswith("redis://"):
        broker = urllib.parse.urlparse(django_settings.CELERY_BROKER_URL)
        number = int((broker.path or "/0").lstrip("/") or 0) + 10
        location = f"redis://{broker.hostname}:{broker.port or 6379}/{number}"
    redis.Redis.from_url(location).flushdb()
    settings.CACHES = {"default": {"BACKEND": "portal.caching.RedisCache",
                                   "LOCATION": location, "KEY_PREFIX": "portal-test"}}
    settings.SESSION_ENGINE = "portal.sessions"
    from portal import caching

    assert caching.is_shared()
    yield
    redis.Redis.from_url(location).flushdb()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    """The page without its markup (search marks the words it found)."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


def category_count(html: str, category: str) -> int:
    found = re.search(rf'\?category={category}">[^<]*</a> <span class="count">(\d+)</span>', html)
    assert found, "the home page lists the category with its count"
    return int(found.group(1))


def anonymous_view(client: Client, item) -> dict:
    """Everything an anonymous visitor may learn of ``item``: its page, the list, search,
    the feed, the API (list, item, count) and the home page's count."""
    home = client.get("/").content.decode()
    api = client.get("/api/v1/items/").json()
    return {
        "detail": client.get(f"/items/{item.pk}/").status_code,
        "list": TITLE in client.get("/items/").content.decode(),
        "search": TITLE in text(client.get(f"/items/?q={WORD}")),
        "organization": TITLE in client.get("/orgs/B1/").content.decode(),
        "feed": TITLE in client.get("/feeds/items.atom").content.decode(),
        "api": any(row["id"] == item.pk for row in api["results"]),
        "api_count": api["count"],
        "api_item": client.get(f"/api/v1/items/{item.pk}/").status_code,
        "home_count": category_count(home, item.category),
    }


def member_view(client: Client, item) -> dict:
    home = client.get("/").content.decode()
    return {
        "detail": client.get(f"/items/{item.pk}/").status_code,
        "list": TITLE in client.get("/items/").content.decode(),
        "search": TITLE in text(client.get(f"/items/?q={WORD}")),
        "mine": TITLE in client.get("/mine/").content.decode(),
        "home_count": category_count(home, item.category),
    }


def test_the_page_cache_serves_anonymous_readers_only(world):
    world.item(State.PUBLIC, title=TITLE)
    anonymous = Client()
    assert anonymous.get("/items/")["X-Page-Cache"] == "miss"
    assert anonymous.get("/items/")["X-Page-Cache"] == "hit"
    member = signed_in(world.users["member"])
    assert "X-Page-Cache" not in member.get("/items/")  # (only the list's part: below)


def test_a_members_list_is_kept_for_those_who_see_the_same(world):
    """The part of a list below its heading is kept for readers without office or grants,
    shared by the members of the same organizations, never by officers, who see drafts."""
    world.item(State.INTERNAL, title=TITLE)
    colleague_user = MembershipFactory(user=UserFactory(username="colleague"),
                                       organization=world.branch, role="member").user
    member, colleague = signed_in(world.users["member"]), signed_in(colleague_user)
    other = signed_in(world.users["other_member"])
    for url in ("/items/", f"/items/?q={WORD}", "/mine/"):
        first = member.get(url)
        assert first["X-Part-Cache"] == "miss" and TITLE in text(first)
        assert colleague.get(url)["X-Part-Cache"] == "hit"
        shown = other.get(url)  # another branch's member: another set of items
        assert shown["X-Part-Cache"] == "miss" and TITLE not in text(shown)
    for officer in ("secretary", "reviewer", "supervisor"):
        page = signed_in(world.users[officer]).get("/items/")
        assert page.status_code == 200 and "X-Part-Cache" not in page


def test_an_item_page_is_kept_for_readers_and_never_holds_an_officers_form(world):
    """The item page's part (all below the navigation) is kept for readers without office
    and shared by members who see the same; the item's secretary gets the actions with
    their form tokens drawn for them every time, and a termination shows at once."""
    item = world.item(State.INTERNAL, title=TITLE)
    colleague_user = MembershipFactory(user=UserFactory(username="colleague"),
                                       organization=world.branch, role="member").user
    member, colleague = signed_in(world.users["member"]), signed_in(colleague_user)
    url = f"/items/{item.pk}/"
    first = member.get(url)
    assert first["X-Part-Cache"] == "miss" and TITLE in text(first)
    kept = colleague.get(url)
    assert kept["X-Part-Cache"] == "hit" and TITLE in text(kept)
    assert "csrfmiddlewaretoken" not in kept.content.decode().split('id="content"')[-1]
    assert signed_in(world.users["other_member"]).get(url).status_code == 404
    mine = signed_in(world.users["secretary"]).get(url)
    assert "X-Part-Cache" not in mine and 'class="actions card"' in mine.content.decode()

    services.item_terminate(item_id=item.pk, actor=world.users["committee_reviewer"],
                            explanation="情况有变，依规处理。", confidentiality_checked=True)

    after = member.get(url)
    assert after["X-Part-Cache"] == "miss" and "已终止" in text(after)


def test_a_part_holding_a_form_token_is_not_kept(world, rf, caplog):
    from django.contrib.auth.models import AnonymousUser

    from portal.pagecache import reader_part

    request = rf.get("/items/")
    request.user, request.LANGUAGE_CODE = AnonymousUser(), "zh-hans"
    drawn = '<input name="csrfmiddlewaretoken" value="one-readers-token">'
    assert reader_part(request, "some-scope", lambda: drawn) == drawn
    assert request.part_cache == "refused" and "form token" in caplog.text
    assert reader_part(request, "some-scope", lambda: "drawn again") == "drawn again"


def test_an_officers_page_is_kept_for_them_alone_until_a_record_changes(world):
    """The workspace and the review inbox keep their part for their officer: a new draft,
    a submission or a role that ends shows on the next request."""
    secretary, colleague = signed_in(world.users["secretary"]), signed_in(
        MembershipFactory(user=UserFactory(username="second_secretary"),
                          organization=world.branch, role="secretary").user)
    reviewer = signed_in(world.users["reviewer"])
    assert secretary.get("/workspace/")["X-Part-Cache"] == "miss"
    assert secretary.get("/workspace/")["X-Part-Cache"] == "hit"
    assert colleague.get("/workspace/")["X-Part-Cache"] == "miss"  # never shared
    assert reviewer.get("/review/")["X-Part-Cache"] == "miss"
    assert reviewer.get("/review/")["X-Part-Cache"] == "hit"

    item = world.item(State.DRAFT, title=TITLE)
    shown = secretary.get("/workspace/")
    assert shown["X-Part-Cache"] == "miss" and TITLE in text(shown)
    assert TITLE not in text(reviewer.get("/review/"))
    services.item_submit(item_id=item.pk, actor=world.users["secretary"])
    assert TITLE in text(reviewer.get("/review/"))

    Membership.objects.filter(user=world.users["secretary"], organization=world.branch,
                              role="secretary").delete()
    assert secretary.get("/workspace/").status_code == 404


def test_obligations_the_scheduler_creates_show_on_a_kept_workspace_at_once(world):
    """The scheduler creates a period's obligations and drafts in bulk (no signal): the
    secretary's kept workspace and 待办 count show them on the next request."""
    import datetime as dt

    from disclosure import obligations
    from portal.holidays import load_holidays

    load_holidays(2026)
    secretary = signed_in(world.users["secretary"])
    assert secretary.get("/workspace/")["X-Part-Cache"] == "miss"
    before = secretary.get("/workspace/")
    assert before["X-Part-Cache"] == "hit" and "2026年第四季度" not in text(before)

    assert obligations.generate_periodic_obligations(dt.date(2026, 11, 23)) > 0

    after = secretary.get("/workspace/")
    assert after["X-Part-Cache"] == "miss" and "2026年第四季度" in text(after)


def test_a_kept_inbox_carries_the_readers_own_form_token(world):
    """A filing to acknowledge puts a form in the inbox: the kept part holds a stand-in,
    each request gets its own token in its place."""
    import datetime as dt

    from disclosure import obligations
    from disclosure.models import Obligation
    from portal.pagecache import TOKEN_STANDIN

    obligations.generate_periodic_obligations(dt.date(2026, 11, 23))
    services.filing_submit(obligation_id=Obligation.objects.get(organization=world.branch).pk,
                           actor=world.users["secretary"], reason="涉及正在调查的事项。",
                           condition="待调查结论作出后")
    pages = {}
    for attempt in ("miss", "hit"):  # two sessions of the reviewer, each with its token
        reviewer = Client(enforce_csrf_checks=True)
        reviewer.force_login(world.users["reviewer"])
        page = reviewer.get("/review/")
        html = page.content.decode()
        assert page["X-Part-Cache"] == attempt and "涉及正在调查的事项" in html
        assert TOKEN_STANDIN not in html
        pages[attempt] = (reviewer, html)
    reviewer, html = pages["hit"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    action = re.search(r'action="(/[^"]+/acknowledge/)"', html).group(1)
    done = reviewer.post(action, {"csrfmiddlewaretoken": token, "comment": "同意"})
    assert done.status_code == 302  # the kept page's form works with the token put in


def test_release_within_the_party_shows_to_members_at_once(world):
    item = world.item(State.APPROVED, title=TITLE)
    member = signed_in(world.users["member"])
    before = member_view(member, item)
    assert before["detail"] == 404 and not (before["list"] or before["search"] or before["mine"])
    assert member.get("/mine/")["X-Part-Cache"] == "hit"  # the lists above are kept

    services.item_publish_internal(item_id=item.pk, actor=world.users["secretary"])

    after = member_view(member, item)
    assert after["detail"] == 200 and after["list"] and after["search"] and after["mine"]


def test_release_to_the_public_shows_at_once(world):
    item = world.item(State.INTERNAL, title=TITLE)
    anonymous = Client()
    before = anonymous_view(anonymous, item)
    assert before["detail"] == 404 and before["api_item"] == 404
    assert not any(before[k] for k in ("list", "search", "organization", "feed", "api"))
    assert anonymous.get("/items/")["X-Page-Cache"] == "hit"  # the pages above are kept

    world.walk_public(item)

    after = anonymous_view(anonymous, item)
    assert after["detail"] == after["api_item"] == 200, after
    assert all(after[k] for k in ("list", "search", "organization", "feed", "api")), after
    assert after["api_count"] == before["api_count"] + 1
    assert after["home_count"] == before["home_count"] + 1


@pytest.mark.parametrize("transition", ["withdraw", "terminate"])
def test_withdrawal_and_termination_show_at_once(world, transition):
    item = world.item(State.PUBLIC, title=TITLE)
    anonymous, member = Client(), signed_in(world.users["member"])
    before = anonymous_view(anonymous, item)
    assert before["detail"] == 200 and before["list"] and before["feed"]
    assert member_view(member, item)["detail"] == 200

    approver = world.users["committee_reviewer"]
    getattr(services, f"item_{transition}")(
        item_id=item.pk, actor=approver, explanation="情况有变，依规处理。",
        confidentiality_checked=True)

    after = anonymous_view(anonymous, item)
    page = anonymous.get(f"/items/{item.pk}/").content.decode()
    if transition == "withdraw":  # the content comes down everywhere; the notice stays
        assert after["detail"] == 200 and "收缴情况" not in page and "已撤销" in page
        assert not any(after[k] for k in ("list", "search", "organization", "feed", "api"))
        assert after["api_item"] == 404
        assert after["home_count"] == before["home_count"] - 1
        assert "收缴情况" not in member.get(f"/items/{item.pk}/").content.decode()
        gone = member_view(member, item)  # the member's kept lists too
        assert not (gone["list"] or gone["search"] or gone["mine"])
    else:  # still readable as it was, marked terminated, at once
        assert after["detail"] == 200 and "已终止" in page and "收缴情况" in page
        assert after["api"] and after["api_item"] == 200
        assert "已终止" in member.get(f"/items/{item.pk}/").content.decode()


def test_a_membership_ending_or_starting_shows_at_once(world):
    item = world.item(State.INTERNAL, title=TITLE)
    member_user, outsider_user = world.users["member"], world.users["outsider"]
    member, outsider = signed_in(member_user), signed_in(outsider_user)
    before = member_view(member, item)
    assert before["detail"] == 200 and before["list"] and before["search"] and before["mine"]
    assert member_view(outsider, item)["detail"] == 404

    Membership.objects.filter(user=member_user, organization=world.branch).delete()
    MembershipFactory(user=outsider_user, organization=world.branch, role="member")

    gone = member_view(member, item)
    assert gone["detail"] == 404 and not (gone["list"] or gone["search"] or gone["mine"])
    assert gone["home_count"] == before["home_count"] - 1
    came = member_view(outsider, item)
    assert came["detail"] == 200 and came["list"] and came["search"] and came["mine"]
    assert came["home_count"] == before["home_count"]


def test_a_grant_given_and_taken_back_shows_at_once(world):
    """An application answered with an item: the applicant reads it on the next request;
    the grant's reason ending (the applicant leaves) takes it away on the next one."""
    item = world.item(State.INTERNAL, org=world.general, title=TITLE)
    applicant_user = world.users["member"]
    applicant = signed_in(applicant_user)
    assert member_view(applicant, item)["detail"] == 404

    application = services.request_submit(organization=world.general,
                                          applicant=applicant_user, subject="申请公开有关材料")
    services.request_answer(request_id=application.pk,
                            actor=world._secretary_of(world.general),
                            decision=DisclosureRequest.State.DISCLOSED_TO_APPLICANT,
                            answer="现向你公开。", item=item)
    granted = member_view(applicant, item)
    assert granted["detail"] == 200 and granted["list"] and granted["search"]

    Membership.objects.filter(user=applicant_user).delete()
    ended = member_view(applicant, item)
    assert ended["detail"] == 404 and not (ended["list"] or ended["search"])


def test_a_role_group_grant_and_its_removal_show_at_once(world):
    from guardian.shortcuts import assign_perm, remove_perm

    from portal.roles import role_group

    item = world.item(State.INTERNAL, title=TITLE)
    reader = signed_in(world.users["other_member"])
    assert member_view(reader, item)["detail"] == 404
    group = role_group(world.other_branch, "member")
    assign_perm("disclosure.view_disclosureitem", group, item)
    assert member_view(reader, item)["detail"] == 200
    remove_perm("disclosure.view_disclosureitem", group, item)
    assert member_view(reader, item)["detail"] == 404


def test_a_closed_account_is_signed_out_at_once(world):
    member_user = world.users["member"]
    member = signed_in(member_user)
    assert member.get("/mine/").status_code == 200
    member_user.is_active = False
    member_user.save()
    assert member.get("/mine/").status_code == 302  # to the login page


def test_a_kept_page_answers_with_the_headers_of_the_page_rendered(world):
    world.item(State.PUBLIC, title=TITLE)
    anonymous = Client()
    rendered = anonymous.get("/api/v1/items/")
    kept = anonymous.get("/api/v1/items/")
    assert (rendered["X-Page-Cache"], kept["X-Page-Cache"]) == ("miss", "hit")
    for header in ("Content-Type", "Access-Control-Allow-Origin"):
        assert kept[header] == rendered[header]
    assert kept.json() == rendered.json()
    assert not kept.cookies
