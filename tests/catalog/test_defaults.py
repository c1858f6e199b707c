"""The default catalogs: their data, the loader, the command and the admin page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from catalog import defaults, services
from catalog.models import (
    CATEGORY_CODES,
    Carrier,
    Catalog,
    CatalogEntry,
    Category,
    Duration,
    Frequency,
    PartyAudience,
    PublicAudience,
)
from portal.models import Organization
from tests.factories import OrganizationFactory, UserFactory

ALL = defaults.CATALOG_KEYS


def english_command(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("load_default_catalogs", *args, stdout=out)
    return out.getvalue()


# -- the data -----------------------------------------------------------------------------


def test_there_is_a_catalog_for_every_organization_type_and_the_issuer():
    assert set(defaults.KINDS) == set(Organization.Kind.values)
    assert set(ALL) == {*Organization.Kind.values, defaults.OWN}
    assert len(set(defaults.CATALOG_NAMES.values())) == len(ALL)


@pytest.mark.parametrize("key", ALL)
def test_every_default_catalog_covers_all_eight_categories(key):
    categories = {entry["category"] for entry in defaults.entries_for(key)}
    assert categories == set(Category.values)


@pytest.mark.django_db  # the model's check constraints are checked by the database
@pytest.mark.parametrize("key", ALL)
def test_default_entries_are_complete_and_consistent(key):
    entries = defaults.entries_for(key)
    codes = [e["code"] for e in entries]
    assert len(codes) == len(set(codes))
    for entry in entries:
        assert CATEGORY_CODES[entry["category"]] == entry["code"].split("-")[0]
        if entry["duration"] == Duration.SHORT:
            assert entry["display_days"], entry["code"]
        else:
            assert entry["display_days"] is None, entry["code"]
        if entry["frequency"] == Frequency.PERIODIC:
            assert entry["period"], entry["code"]
        else:
            assert entry["period"] == "", entry["code"]
        if entry["party_audience"] == PartyAudience.RANGE:
            assert entry["range_leadership"] or entry["range_cadres"], entry["code"]
        else:
            assert not (entry["range_leadership"] or entry["range_cadres"]), entry["code"]
        assert entry["public_audience"] in PublicAudience.values, entry["code"]
        assert entry["carriers"] and set(entry["carriers"]) <= set(Carrier.values)
        assert entry["content"] and entry["title"]
        # What the admin's form would accept: valid choices, lengths and rules.
        CatalogEntry(catalog=Catalog(), **entry).full_clean(exclude=["catalog"])
    assert [e["order"] for e in entries] == sorted(e["order"] for e in entries)


def test_the_plans_examples_are_in_the_catalogs():
    def titles(key: str) -> str:
        return " ".join(e["title"] + e["content"] for e in defaults.entries_for(key))

    for kind in defaults.KINDS:
        text = titles(kind)
        for example in ("党费", "发展党员", "换届选举", "年度工作计划", "三会一课",
                        "民主评议党员", "组织生活会", "班子分工", "任期工作目标",
                        "党风廉政建设责任制", "廉政承诺", "党务工作经费"):
            assert example in text, (kind, example)
    assert "四议两公开" in titles("village") and "资金、资产、资源" in titles("village")
    assert "为民办实事" in titles("community") and "资产、资金、资源" in titles("community")
    assert "师德师风" in titles("school")
    assert "双向进入" in titles("enterprise") and "政治把关" in titles("social")
    assert "任前公示" in titles("agency") and "民主生活会" in titles(defaults.OWN)


def test_recruitment_notices_run_five_working_days():
    for key in ALL:
        recruitment = next(e for e in defaults.entries_for(key) if e["code"] == "ZZ-02")
        assert (recruitment["duration"], recruitment["display_days"]) == (Duration.SHORT, 5)


def test_party_only_matters_never_go_beyond_the_party_and_the_issuer_reaches_its_subtree():
    dues = [e for key in defaults.KINDS for e in defaults.entries_for(key)
            if e["code"] == "ZZ-01"]
    assert {e["public_audience"] for e in dues} == {PublicAudience.NONE}
    own = defaults.entries_for(defaults.OWN)
    assert {e["party_audience"] for e in own} <= {PartyAudience.SUBTREE, PartyAudience.RANGE}
    # Communities and villages show their people's matters to everyone; agencies to the unit.
    plan = {key: next(e for e in defaults.entries_for(key) if e["code"] == "JC-01")
            for key in ("agency", "village")}
    assert plan["agency"]["public_audience"] == PublicAudience.UNIT
    assert plan["village"]["public_audience"] == PublicAudience.SOCIETY


# -- the loader ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_loader_creates_one_active_catalog_per_type_and_one_for_the_issuer(world):
    results = services.load_default_catalogs(issuer=world.committee)
    assert [r.key for r in results] == list(ALL)
    assert all(r.created for r in results)
    catalogs = Catalog.objects.filter(issuer=world.committee,
                                      version=defaults.DEFAULT_VERSION)
    assert catalogs.count() == len(ALL)
    for result in results:
        catalog = result.catalog
        assert catalog.state == Catalog.State.ACTIVE
        assert catalog.effective_from == dt.date(timezone.localdate().year, 1, 1)
        assert catalog.entries.count() == len(defaults.entries_for(result.key))
        if result.key == defaults.OWN:
            assert (catalog.binds_issuer, catalog.binds_below) == (True, False)
        else:
            assert (catalog.binds_kinds, catalog.binds_issuer) == ([result.key], False)
    entry = CatalogEntry.objects.get(catalog__name="社区党组织党务公开目录", code="ZZ-02")
    assert (entry.duration, entry.display_days, entry.history.count()) == (Duration.SHORT, 5, 1)


@pytest.mark.django_db
def test_loading_twice_changes_nothing(world):
    services.load_default_catalogs(issuer=world.committee,
                                   effective_from=dt.date(2026, 1, 1))

    def snapshot():
        return (Catalog.objects.count(), Catalog.history.count(),
                CatalogEntry.objects.count(), CatalogEntry.history.count())

    first = snapshot()
    again = services.load_default_catalogs(issuer=world.committee,
                                           effective_from=dt.date(2027, 1, 1))
    assert snapshot() == first
    assert not any(r.created for r in again)
    assert {r.catalog.effective_from for r in again} == {dt.date(2026, 1, 1)}


@pytest.mark.django_db
def test_an_edited_default_catalog_is_left_as_it_is(world):
    services.load_default_catalogs(issuer=world.committee, kinds=["village"])
    catalog = Catalog.objects.get(name="村党组织党务公开目录")
    catalog.entries.filter(code="QT-03").delete()
    services.load_default_catalogs(issuer=world.committee, kinds=["village"])
    assert not catalog.entries.filter(code="QT-03").exists()


@pytest.mark.django_db
def test_loading_some_catalogs_only(world):
    results = services.load_default_catalogs(issuer=world.committee,
                                             kinds=[defaults.OWN, "school"])
    assert [r.key for r in results] == ["school", defaults.OWN]
    assert Catalog.objects.filter(issuer=world.committee).exclude(
        pk=world.entries["public"].catalog_id).count() == 2
    with pytest.raises(ValueError, match="ministry"):
        services.load_default_catalogs(issuer=world.committee, kinds=["ministry"])


@pytest.mark.django_db
def test_each_organization_gets_its_types_entries_and_the_issuer_its_own(world):
    world.entries["public"].catalog.entries.update(active=False)  # the fixture's catalog
    school = OrganizationFactory(code="S1", kind="school", parent=world.general)
    services.load_default_catalogs(issuer=world.committee)

    def catalogs_of(org):
        return set(CatalogEntry.objects.for_organization(org)
                   .values_list("catalog__name", flat=True))

    # The branch is of the committee's own type, and still gets only its type's catalog.
    assert world.branch.kind == world.committee.kind
    assert catalogs_of(world.branch) == {"社区党组织党务公开目录"}
    assert catalogs_of(world.general) == {"社区党组织党务公开目录"}
    assert catalogs_of(school) == {"学校党组织党务公开目录"}
    assert catalogs_of(world.committee) == {"本级党组织党务公开目录"}


@pytest.mark.django_db
def test_the_issuers_own_entries_oblige_the_issuer_and_no_one_below(world):
    from disclosure.models import Obligation
    from disclosure.obligations import generate_periodic_obligations

    world.entries["public"].catalog.entries.update(active=False)
    services.load_default_catalogs(issuer=world.committee, kinds=[defaults.OWN],
                                   effective_from=dt.date(2026, 1, 1))
    generate_periodic_obligations(dt.date(2026, 5, 4))
    own = Obligation.objects.filter(entry__catalog__name="本级党组织党务公开目录")
    assert own.filter(organization=world.committee).exists()  # the top committee owes too
    assert not own.exclude(organization=world.committee).exists()


@pytest.mark.django_db
def test_a_secretary_drafts_from_a_default_entry(world):
    from disclosure import services as items

    services.load_default_catalogs(issuer=world.committee, kinds=["community"])
    entry = CatalogEntry.objects.get(catalog__name="社区党组织党务公开目录", code="FW-01")
    item = items.item_create(organization=world.branch, entry=entry,
                             actor=world.users["secretary"], title="社区为民办实事项目公示",
                             body=entry.body_template, event_date=timezone.localdate())
    assert (item.duration, item.display_days, item.public_audience) == (
        Duration.SHORT, 20, PublicAudience.SOCIETY)


# -- the command --------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_reports_each_catalog_and_changes_nothing_the_second_time(world):
    out = english_command("--issuer", "C", "--effective-from", "2026-03-01")
    lines = out.strip().splitlines()
    assert len(lines) == len(ALL) + 1
    assert lines[0].startswith("Created 机关党组织党务公开目录 (2026版) for Government agency:")
    assert "本级党组织党务公开目录" in lines[len(ALL) - 1]
    assert lines[-1] == f"{len(ALL)} of {len(ALL)} default catalogs created for 街道党委."
    assert set(Catalog.objects.filter(version=defaults.DEFAULT_VERSION)
               .values_list("effective_from", flat=True)) == {dt.date(2026, 3, 1)}
    count = CatalogEntry.objects.count()
    out = english_command("--issuer", "C")
    assert out.count("it exists already") == len(ALL)
    assert out.strip().splitlines()[-1].startswith(f"0 of {len(ALL)} default catalogs")
    assert CatalogEntry.objects.count() == count


@pytest.mark.django_db
def test_command_loads_the_types_asked_for(world):
    out = english_command("--issuer", "C", "--kinds", "village, own")
    assert "村党组织党务公开目录" in out and "本级党组织党务公开目录" in out
    assert Catalog.objects.filter(version=defaults.DEFAULT_VERSION).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (["--issuer", "NOPE"], "No organization has the code “NOPE”."),
    (["--issuer", "C", "--kinds", "agency,ministry"], "Unknown catalogs: ministry."),
    (["--issuer", "C", "--effective-from", "2026-13-01"], "is not a date"),
])
def test_command_refuses_unknown_codes_types_and_dates(world, args, message):
    with pytest.raises(CommandError, match=message), translation.override("en"):
        call_command("load_default_catalogs", *args, stdout=io.StringIO())
    assert not Catalog.objects.filter(version=defaults.DEFAULT_VERSION).exists()


# -- the admin ----------------------------------------------------------------------------

URL = "/admin/catalog/catalog/load-defaults/"


@pytest.mark.django_db
def test_superuser_previews_then_loads_the_default_catalogs_in_the_admin(world, client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    client.cookies["django_language"] = "en"
    assert URL in client.get("/admin/catalog/catalog/").content.decode()
    assert client.get(URL).status_code == 200
    data = {"issuer": world.committee.pk, "effective_from": "2026-01-01",
            "kinds": ["community", "own"]}
    preview = client.post(URL, data)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert page.count("Will be created") == 2 and "社区党组织党务公开目录" in page
    assert not Catalog.objects.filter(version=defaults.DEFAULT_VERSION).exists()

    done = client.post(URL, {**data, "confirm": "1"}, follow=True)
    assert done.redirect_chain[-1][0] == "/admin/catalog/catalog/"
    shown = [str(m) for m in done.context["messages"]]
    assert shown == ["Created 2 catalogs issued by 街道党委: 社区党组织党务公开目录 (2026版)、"
                     "本级党组织党务公开目录 (2026版)."]
    created = Catalog.objects.get(name="社区党组织党务公开目录")
    assert created.history.first().history_user == admin_user
    assert created.entries.first().history.first().history_user == admin_user

    again = client.post(URL, {**data, "confirm": "1"}, follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        "Left unchanged, because they exist already: 社区党组织党务公开目录 (2026版)、"
        "本级党组织党务公开目录 (2026版)."]
    assert Catalog.objects.filter(version=defaults.DEFAULT_VERSION).count() == 2
    assert "Exists already" in client.post(URL, data).content.decode()


@pytest.mark.django_db
def test_staff_without_the_right_to_add_catalogs_cannot_load_them(world, client):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_catalog"))
    client.force_login(viewer)
    assert URL not in client.get("/admin/catalog/catalog/").content.decode()
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"issuer": world.committee.pk, "effective_from": "2026-01-01",
                                 "kinds": ["own"], "confirm": "1"})
    assert response.status_code == 403
    assert not Catalog.objects.filter(version=defaults.DEFAULT_VERSION).exists()
