"""目录外事项: out-of-catalog items need a work plan approved by the catalog-setting
organization before they can be drafted and submitted."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from catalog.models import CatalogEntry
from disclosure import obligations, services
from disclosure.models import DisclosureItem, State, WorkPlan
from portal.workflow import TransitionError
from tests.conftest import walk

pytestmark = pytest.mark.django_db


def plan(world, **extra):
    data = {"organization": world.branch, "actor": world.users["secretary"],
            "title": "支部共建活动经费使用情况",
            "plan": "拟公开与社区共建活动经费的来源和使用，面向全体党员和群众，张贴公开栏。",
            "category": "other", "public_audience": "society"}
    return services.workplan_submit(**{**data, **extra})


def test_item_outside_the_catalog_only_after_approval(world):
    made = plan(world)
    assert made.catalog.issuer == world.committee
    entries = CatalogEntry.objects.for_organization(world.branch)
    assert not entries.filter(title=made.title).exists()
    with pytest.raises(PermissionDenied):  # the parent's reviewer did not set the catalog
        services.workplan_decide(plan_id=made.pk, actor=world.users["reviewer"], approve=True)
    services.workplan_decide(plan_id=made.pk, actor=world.users["committee_reviewer"],
                          approve=True)
    made.refresh_from_db()
    entry = made.entry
    assert entry in CatalogEntry.objects.for_organization(world.branch)
    assert entry not in CatalogEntry.objects.for_organization(world.other_branch)
    item = services.item_create(organization=world.branch, entry=entry,
                                actor=world.users["secretary"], title=made.title,
                                body="经费来源：区级共建资金。")
    walk(item, State.INTERNAL, world.users["secretary"], world.users["reviewer"])
    assert DisclosureItem.objects.get(pk=item.pk).state == State.INTERNAL
    obligations.generate_periodic_obligations()
    assert not entry.obligations.exists()


def test_rejected_plan_adds_nothing(world):
    made = plan(world)
    with pytest.raises(TransitionError):
        services.workplan_decide(plan_id=made.pk, actor=world.users["committee_reviewer"],
                              approve=False)
    services.workplan_decide(plan_id=made.pk, actor=world.users["committee_reviewer"],
                          approve=False, comment="属于目录内事项，请按目录公开。")
    assert WorkPlan.objects.get().state == "rejected" and WorkPlan.objects.get().entry is None
    with pytest.raises(TransitionError):
        services.workplan_decide(plan_id=made.pk, actor=world.users["committee_reviewer"],
                              approve=True)


def test_wrong_actor_and_bad_plans(world):
    with pytest.raises(PermissionDenied):
        plan(world, actor=world.users["member"])
    with pytest.raises(ValidationError):
        plan(world, party_audience="range")
    with pytest.raises(ValidationError):
        plan(world, duration="short")
    with pytest.raises(ValidationError):
        plan(world, plan="太短")
    assert not WorkPlan.objects.exists()


def test_plan_pages(world):
    sec = Client()
    sec.force_login(world.users["secretary"])
    response = sec.post("/plans/new/?org=B1", {
        "title": "共建活动经费", "plan": "拟公开共建活动经费的来源和使用情况，面向全体党员。",
        "category": "other", "party_audience": "organization", "public_audience": "society",
        "duration": "long"})
    made = WorkPlan.objects.get()
    assert response.url == f"/plans/{made.pk}/"
    approver = Client()
    approver.force_login(world.users["committee_reviewer"])
    assert made in list(approver.get("/changes/").context["plans"])
    approver.post(f"/plans/{made.pk}/approve/", {"comment": "同意"})
    page = sec.get(f"/plans/{made.pk}/")
    assert page.context["may_draft"]
    entry = WorkPlan.objects.get().entry
    assert sec.get(f"/workspace/B1/new/{entry.pk}/").status_code == 200
    other = Client()
    other.force_login(world.users["other_secretary"])
    assert other.get(f"/plans/{made.pk}/").status_code == 404
    assert other.get(f"/workspace/B2/new/{entry.pk}/").status_code == 404
