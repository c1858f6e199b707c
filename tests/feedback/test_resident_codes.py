"""Evaluation by residents without accounts: printed one-time codes (only hashes kept),
one ballot per organization per code, once, even when two submissions race; used and
unknown codes get the same answer and are rate-limited; results apart and combined; and
self-registration of members of the public."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.utils import timezone

from feedback import selectors, services
from feedback.models import Ballot, Campaign, EvaluationCode
from feedback.models_commitments import hash_code, normalize_code
from portal.models import Membership, User
from portal.workflow import TransitionError
from tests.factories import cast_ballot, feedback_admin, open_campaign
from tests.test_concurrency_idor import race

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_user(db):
    return feedback_admin()


@pytest.fixture
def campaign(world, admin_user):
    return open_campaign([world.branch, world.other_branch], admin_user,
                         title="2026年度党务公开群众评议", period_label="2026年度")


def ratings(world, rating="satisfied") -> dict:
    return {world.branch.pk: (rating, "很好"), world.other_branch.pk: (rating, "")}


def posted(world, code: str, rating="satisfied") -> dict:
    return {"code": code, f"rating_{world.branch.pk}": rating,
            f"rating_{world.other_branch.pk}": rating, f"comment_{world.branch.pk}": "公开及时"}


def generate(campaign, admin_user, n=3) -> list[str]:
    return services.evaluation_codes_generate(campaign_id=campaign.pk, actor=admin_user,
                                              count=n)


def test_only_hashes_are_stored_and_the_sheet_shows_codes_with_qr(world, campaign, admin_user):
    client = Client()
    client.force_login(admin_user)
    page = client.post(f"/evaluation/{campaign.pk}/codes/", {"count": 4})
    body = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    shown = re.findall(r'class="code">([A-Z0-9]{5}-[A-Z0-9]{5})<', body)
    assert len(shown) == 4 and body.count("<svg") == 4
    assert f"/evaluation/{campaign.pk}/resident/" in body
    stored = set(EvaluationCode.objects.values_list("code_hash", flat=True))
    assert stored == {hash_code(code) for code in shown}
    assert not any(normalize_code(code) in " ".join(stored) for code in shown)
    # The code page afterwards shows counts, never the codes.
    again = client.get(f"/evaluation/{campaign.pk}/codes/").content.decode()
    assert not any(code in again for code in shown)


def test_codes_are_made_by_campaign_managers_only(world, campaign, admin_user):
    for who in ("secretary", "member", "outsider"):
        client = Client()
        client.force_login(world.users[who])
        assert client.get(f"/evaluation/{campaign.pk}/codes/").status_code == 404
        with pytest.raises(PermissionDenied):
            generate(campaign, world.users[who])
    assert Client().get(f"/evaluation/{campaign.pk}/codes/").status_code == 302
    for bad in (0, 501):
        client = Client()
        client.force_login(admin_user)
        page = client.post(f"/evaluation/{campaign.pk}/codes/", {"count": bad})
        assert page.status_code == 200 and page.context["form"].errors
    assert not EvaluationCode.objects.exists()


def test_one_code_casts_one_ballot_per_organization_once(world, campaign, admin_user):
    code = generate(campaign, admin_user, 1)[0]
    made = services.evaluation_code_cast(campaign_id=campaign.pk, code=code.lower(),
                                         ratings=ratings(world))
    assert len(made) == 2
    assert Ballot.objects.filter(voter__isnull=True, code__isnull=False).count() == 2
    with pytest.raises(TransitionError):
        services.evaluation_code_cast(campaign_id=campaign.pk, code=code,
                                      ratings=ratings(world, "unsatisfied"))
    assert Ballot.objects.count() == 2
    assert EvaluationCode.objects.get().used_at is not None


def test_every_organization_must_be_rated_and_nothing_is_used_up(world, campaign, admin_user):
    code = generate(campaign, admin_user, 1)[0]
    client = Client()
    page = client.post(f"/evaluation/{campaign.pk}/resident/",
                       {"code": code, f"rating_{world.branch.pk}": "satisfied"})
    assert page.status_code == 200 and not Ballot.objects.exists()
    assert page.context["form"]["code"].value() == code  # what was typed is kept
    assert EvaluationCode.objects.get().used_at is None


def test_used_and_unknown_codes_get_the_same_answer(world, campaign, admin_user):
    code = generate(campaign, admin_user, 1)[0]
    client = Client()
    first = client.post(f"/evaluation/{campaign.pk}/resident/", posted(world, code))
    assert first.status_code == 302
    used = client.post(f"/evaluation/{campaign.pk}/resident/", posted(world, code))
    unknown = client.post(f"/evaluation/{campaign.pk}/resident/", posted(world, "ABCDE-FGHJK"))
    assert used.status_code == unknown.status_code == 200
    assert used.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert str(services.CODE_REFUSED) in " ".join(used.context["form"].non_field_errors())
    assert used.context["form"]["code"].value() == code  # kept on refusal
    assert Ballot.objects.count() == 2


def test_the_qr_link_fills_in_the_code(world, campaign, admin_user):
    page = Client().get(f"/evaluation/{campaign.pk}/resident/?code=ABCDE-FGHJK")
    assert page.status_code == 200 and 'value="ABCDE-FGHJK"' in page.content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.CLOSED)
    assert Client().get(f"/evaluation/{campaign.pk}/resident/").status_code == 404


def test_refused_codes_are_rate_limited_per_address(world, campaign, admin_user):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "evaluation.code": (3, 3600)}
    codes = generate(campaign, admin_user, 5)
    client = Client()
    # Good codes do not count against the address (a family at one address).
    for code in codes[:4]:
        assert client.post(f"/evaluation/{campaign.pk}/resident/",
                           posted(world, code)).status_code == 302
    answers = [client.post(f"/evaluation/{campaign.pk}/resident/",
                           posted(world, f"WRONG{i}CODE")).status_code for i in range(3)]
    assert answers == [200, 200, 200]
    refused = client.post(f"/evaluation/{campaign.pk}/resident/", posted(world, codes[4]))
    assert refused.status_code == 429 and refused["Retry-After"]
    assert EvaluationCode.objects.filter(used_at__isnull=True).count() == 1
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert other.post(f"/evaluation/{campaign.pk}/resident/",
                      posted(world, codes[4])).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_two_submissions_with_one_code_one_wins_in_30_rounds(world, admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    campaign = open_campaign([world.branch, world.other_branch], admin_user)
    codes = generate(campaign, admin_user, 30)
    for round_, code in enumerate(codes):
        outcomes = race([
            lambda c=code: services.evaluation_code_cast(
                campaign_id=campaign.pk, code=c, ratings=ratings(world, "satisfied")),
            lambda c=code: services.evaluation_code_cast(
                campaign_id=campaign.pk, code=c, ratings=ratings(world, "fairly")),
        ])
        assert outcomes == ["ok", "refused"], round_
    assert Ballot.objects.count() == 2 * len(codes)
    assert set(Ballot.objects.values_list("code", "organization").distinct()) == {
        (c.pk, o) for c in EvaluationCode.objects.all()
        for o in (world.branch.pk, world.other_branch.pk)}


def test_a_ballot_needs_a_voter_or_a_code(world, campaign):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(campaign=campaign, organization=world.branch, rating="satisfied")


def test_results_show_members_and_residents_apart_and_combined(world, campaign, admin_user):
    cast_ballot(campaign, world.branch, world.users["member"], "satisfied")
    cast_ballot(campaign, world.branch, world.users["secretary"], "unsatisfied")
    for code, rating in zip(generate(campaign, admin_user, 3),
                            ["satisfied", "fairly", "unsatisfied"], strict=True):
        services.evaluation_code_cast(campaign_id=campaign.pk, code=code,
                                      ratings=ratings(world, rating))
    services.campaign_close(campaign_id=campaign.pk, actor=admin_user)
    member = Client()
    member.force_login(world.users["member"])
    page = member.get(f"/evaluation/{campaign.pk}/results/")
    found = {r.organization.code: r for r in page.context["results"]}
    branch = found["B1"]
    assert (branch.members.satisfied, branch.members.unsatisfied) == (1, 1)
    assert (branch.residents.satisfied, branch.residents.fairly,
            branch.residents.unsatisfied) == (1, 1, 1)
    assert (branch.satisfied, branch.fairly, branch.unsatisfied, branch.total) == (2, 1, 2, 5)
    assert branch.members.satisfaction_rate == 50.0
    assert branch.residents.satisfaction_rate == 66.7
    assert branch.satisfaction_rate == 60.0
    assert found["B2"].members.total == 0 and found["B2"].residents.total == 3
    figures = selectors.evaluation_figures([world.branch.pk], timezone.localdate().year)
    assert (figures.members.total, figures.residents.total, figures.all.total) == (2, 3, 5)
    assert figures.all.satisfaction_rate == 60.0 and figures.campaigns == 1
    assert selectors.evaluation_figures([world.branch.pk], 1999).all.total == 0


# Registration of members of the public.


def register(client: Client, **changes):
    data = {"username": "resident1", "full_name": "王居民", "contact": "13800138000",
            "password1": "Green-Lantern-2026", "password2": "Green-Lantern-2026", **changes}
    return client.post("/accounts/register/", data)


def test_registration_creates_a_user_without_rights_who_votes_in_everyone_campaigns(
        world, campaign):
    client = Client()
    assert register(client).status_code == 302
    user = User.objects.get(username="resident1")
    assert (user.full_name, user.phone, user.is_staff, user.is_superuser) == (
        "王居民", "13800138000", False, False)
    assert not Membership.objects.filter(user=user).exists()
    assert not user.groups.exists() and not user.user_permissions.exists()
    assert "_auth_user_id" in client.session
    assert client.get(f"/evaluation/{campaign.pk}/").status_code == 404  # members only
    Campaign.objects.filter(pk=campaign.pk).update(voters=Campaign.Audience.EVERYONE)
    assert client.get(f"/evaluation/{campaign.pk}/").status_code == 200
    client.post(f"/evaluation/{campaign.pk}/",
                {"organization": world.branch.pk, "rating": "fairly"})
    assert Ballot.objects.filter(voter=user).count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"password2": "Other-Password-2026"}, "password2"),
    ({"password1": "123", "password2": "123"}, "password1"),
    ({"password1": "password", "password2": "password"}, "password1"),
    ({"password1": "resident1x", "password2": "resident1x"}, "password1"),
    ({"contact": "不是联系方式"}, "contact"),
    ({"contact": "a@b"}, "contact"),
    ({"username": "outsider"}, "username"),
    ({"username": "有 空格"}, "username"),
    ({"full_name": ""}, "full_name"),
])
def test_registration_refuses_bad_input_and_keeps_what_was_typed(world, changes, field):
    page = register(Client(), **changes)
    assert page.status_code == 200 and field in page.context["form"].errors
    assert page.context["form"]["contact"].value() == changes.get("contact", "13800138000")
    assert User.objects.filter(username__in=["resident1", changes.get("username")]).count() == (
        1 if changes.get("username") == "outsider" else 0)


def test_registration_is_rate_limited(world):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "accounts.register": (2, 3600)}
    answers = [register(Client(), username=f"resident{i}", contact=f"a{i}@example.cn").status_code
               for i in range(3)]
    assert answers == [302, 302, 429]
    assert User.objects.filter(username__startswith="resident").count() == 2


def test_a_registered_member_of_the_public_sees_nothing_intra_party(world):
    from portal import permissions
    from tests.test_permission_registry import LIST_PAGES, MARK, marked, samples

    records = [obj for obj in samples(world) if marked(obj)]
    client = Client()
    assert register(client).status_code == 302
    user = User.objects.get(username="resident1")
    assert not any(permissions.can_view(user, obj) for obj in records)
    for url in LIST_PAGES:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert MARK.encode() not in body, url
    for obj in records:
        rules = permissions.rules_for(type(obj))
        if rules.url is not None:
            assert client.get(rules.url(obj)).status_code == 404, type(obj).__name__
