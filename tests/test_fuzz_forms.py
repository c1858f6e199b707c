"""Every form of the portal, fed by Hypothesis through its page as the user who uses it.

Values are arbitrary text (markup, NUL bytes, huge strings), numbers out of range, dates
that do not exist, unknown choices and missing fields. Whatever arrives, no page answers
with a server error, and markup sent in never comes back raw: every injected tag carries
the marker ``fz-x9`` and may appear only escaped. Redirects after a save are followed, so
the page showing what was saved is checked the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
)
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import report_services
from archive.forms import (
    RegisterFilterForm,
    ReportEditForm,
    ReportFilterForm,
    ReportGenerateForm,
)
from archive.rollout_views import RolloutFilter
from archive.supervision_views import HistoryFilter
from catalog.admin import LoadDefaultsForm, RollOverForm
from disclosure import services as item_services
from disclosure.api import ItemQuery
from disclosure.forms import (
    AnnualPlanForm,
    AnswerForm,
    AttachmentForm,
    ChangeDecisionForm,
    ChangeForm,
    CommentForm,
    FilingForm,
    ItemFilterForm,
    ItemForm,
    LedgerFilterForm,
    LedgerRecordForm,
    PlanForm,
    PlanPublicForm,
    RequestDraftForm,
    RequestForm,
    ReviewForm,
    TakeDownForm,
    VoidForm,
    WorkspaceFilterForm,
)
from disclosure.models import DisclosureItem, Obligation, State
from feedback import services
from feedback import services as feedback_services
from feedback.forms import (
    BallotForm,
    CodeBatchForm,
    CommitmentEditForm,
    CommitmentForm,
    ConclusionForm,
    ConsentForm,
    DeclineForm,
    FeedbackForm,
    HandleForm,
    LeaderCommentForm,
    ObjectionForm,
    OfflineFeedbackForm,
    OrderForm,
    PublicationCheckForm,
    ReopenForm,
    ResidentBallotForm,
    SignUpForm,
    TextForm,
    TrackForm,
)
from feedback.forms_supervision import (
    EvidenceForm,
    FindingForm,
    GroupForm,
    InspectionPlanForm,
    InspectionRecordForm,
    OpenOrderForm,
    PublishForm,
    RelativeForm,
    SeatEndForm,
    SeatForm,
)
from feedback.models import Campaign
from portal.admin import (
    DecisionForm,
    ImportForm,
    MembershipForm,
    NoPasswordCreationForm,
    RoleGrantForm,
    StaffGrantForm,
)
from portal.models import Role
from portal.views import QueuedPasswordResetForm

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

MARK = "fz-x9"
INJECTIONS = (
    f"<{MARK}>", f"\"'><{MARK} onmouseover=alert(1)>", f"<script>{MARK}()</script>",
    f"<img src=x onerror={MARK}()>", f"</textarea><{MARK}>", f"&lt;{MARK}&gt;",
    f"**<{MARK}>**", f"[x](javascript:{MARK}())", f"`<{MARK}>`", f"<!--<{MARK}>-->",
    f"<svg><{MARK}/></svg>", f"%3C{MARK}%3E",
)
RAW = re.compile(rf"<(?:/?{MARK}|script>{MARK}|img src=x onerror={MARK})|"
                 rf"href=[\"']?javascript:{MARK}", re.IGNORECASE)
CHARS = st.characters(blacklist_categories=("Cs",))
BAD_DATES = ("2026-02-30", "0000-00-00", "9999-12-31", "10000-01-01", "2026-13-01",
             "-1-01-01", "2026/01/01", "99999999999-01-01", "１２３４-０１-０１", "2026-1-1T25:61")
BAD_NUMBERS = ("1e999", "nan", "-0", "0x1F", "٣", "9" * 400, "1.5", "-2147483649",
               "9223372036854775808")

EXAMPLES = settings(max_examples=30, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def marked_text() -> st.SearchStrategy[str]:
    """Short text around one piece of markup: what a field accepts, but hostile."""
    return st.builds("{}{}{}".format, st.text(CHARS, max_size=12),
                     st.sampled_from(INJECTIONS), st.text(CHARS, max_size=12))


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        marked_text(), st.text(CHARS, max_size=60),
        st.builds(lambda text, times: text * times, marked_text(), st.integers(50, 1500)),
        st.sampled_from(["", " ", "\x00", f"a\x00<{MARK}>", "\u202e\u200b", "\r\n" * 50]),
    )


def near_today() -> st.SearchStrategy[dt.date]:
    return st.integers(-60, 60).map(lambda days: timezone.localdate() + dt.timedelta(days))


def plausible(form_field: forms.Field) -> st.SearchStrategy:
    """Return values the field accepts, so that saving and the saved page are reached."""
    if isinstance(form_field, forms.ModelChoiceField):
        return st.sampled_from(["B1", "G"] if form_field.to_field_name == "code" else [""])
    if isinstance(form_field, forms.ChoiceField):
        return st.sampled_from([str(key) for key, _label in form_field.choices if key] or [""])
    if isinstance(form_field, forms.BooleanField):
        return st.sampled_from(["on", ""])
    if isinstance(form_field, forms.IntegerField):
        low, high = form_field.min_value or -1000, form_field.max_value or 3000
        return st.integers(int(low), int(high)).map(str)
    if isinstance(form_field, forms.DateTimeField):
        return st.builds(lambda day, hour: f"{day.isoformat()}T{hour:02d}:30",
                         near_today(), st.integers(0, 23))
    if isinstance(form_field, forms.DateField):
        return near_today().map(dt.date.isoformat)
    if isinstance(form_field, forms.FileField):
        return st.builds(lambda text: SimpleUploadedFile(f"{text[:20]}.txt", text.encode()),
                         marked_text())
    return marked_text()


def chaotic(form_field: forms.Field) -> st.SearchStrategy:
    """Return values of the field's kind that it should refuse, or anything at all."""
    if isinstance(form_field, forms.ModelChoiceField):
        kind = st.sampled_from(["C", "B2", "0", "-1", "999999", "1.5"])
    elif isinstance(form_field, forms.IntegerField):
        kind = st.one_of(st.integers(-(2**70), 2**70).map(str), st.sampled_from(BAD_NUMBERS))
    elif isinstance(form_field, forms.DateTimeField):
        kind = st.one_of(st.datetimes().map(lambda m: m.isoformat(timespec="minutes")),
                         st.sampled_from(BAD_DATES))
    elif isinstance(form_field, forms.DateField):
        kind = st.one_of(st.dates().map(dt.date.isoformat), st.sampled_from(BAD_DATES))
    elif isinstance(form_field, forms.FileField):
        kind = st.builds(SimpleUploadedFile, st.text(CHARS, min_size=1, max_size=40)
                         .map(lambda n: n.replace("\x00", "") or "x"), st.binary(max_size=300))
    else:
        kind = st.sampled_from(["on", "unknown-choice", "0", "-1"])
    return st.one_of(st.none(), kind, hostile_text())


def form_data(fields: dict[str, forms.Field], overrides: dict) -> st.SearchStrategy[dict]:
    """Half the examples fill every field as it expects (with markup in the text), half
    leave fields out or fill them with what they must refuse."""
    def draw_all(pick_field):
        values = {name: overrides[name] if name in overrides else pick_field(f)
                  for name, f in fields.items()}
        values |= {name: kind for name, kind in overrides.items() if name not in fields}
        return st.fixed_dictionaries(values)

    def mixed(form_field):
        return st.one_of(plausible(form_field), chaotic(form_field))

    return st.one_of(draw_all(plausible), draw_all(mixed)).map(
        lambda drawn: {k: v for k, v in drawn.items() if v is not None})


@dataclass
class Target:
    """One form on its page: who sends it, where, and how the URL is made."""
    form: type[forms.Form] | None
    user: str | None
    url: Callable  # (world, objects, draw) -> str
    method: str = "post"
    overrides: dict = field(default_factory=dict)


def once(objects: dict, key: str, make: Callable):
    if key not in objects:
        objects[key] = make()
    return objects[key]


def new_feedback(world):
    return services.feedback_submit(organization=world.branch, item=None,
                                    author=world.users["member"],
                                    body="支部公开栏更新不及时，请改进。")


def declined_feedback(world):
    feedback = new_feedback(world)
    return services.feedback_reject(feedback_id=feedback.pk, actor=world.users["secretary"],
                                    reason="不属于本支部职责范围。")


def item_feedback(world, objects):
    return once(objects, "item_feedback", lambda: services.feedback_submit(
        organization=world.branch, item=public_of(world, objects),
        author=world.users["member"], body="对公开事项的意见和建议。"))


def new_report(world):
    return report_services.report_generate(organization=world.branch, year=2020,
                                           actor=world.users["secretary"], pdf=False)


def new_campaign(world):
    campaign = Campaign.objects.create(title="民主评议", period_label="2026年度")
    campaign.organizations.set([world.branch, world.other_branch])
    feedback_services.campaign_open(campaign_id=campaign.pk,
                             actor=UserFactory(is_superuser=True, is_staff=True))
    return campaign


def draft_promise(world):
    return feedback_services.commitment_draft(
        organization=world.branch, actor=world.users["secretary"],
        year=timezone.localdate().year, text="承诺")


def new_order(world, *, responded: bool = False):
    order = feedback_services.rectification_order(
        organization=world.branch, actor=world.users["supervisor"], finding="公开栏内容过期。",
        requirement="", due_date=timezone.localdate() + dt.timedelta(days=10))
    if responded:
        feedback_services.rectification_respond(order_id=order.pk, actor=world.users["secretary"],
                              response="已更新公开栏。")
    return order


def new_request(world):
    return item_services.request_submit(organization=world.branch, applicant=world.users["member"],
                                  subject="申请公开党费使用情况")


def new_obligation(world) -> Obligation:
    """Return an open obligation of the branch for a period no other one has."""
    start = dt.date(2000, 1, 1) + dt.timedelta(days=Obligation.objects.count())
    return Obligation.objects.create(entry=world.entries["periodic"], organization=world.branch,
                                     period_start=start, period_end=start, due_date=start)


def new_filing(world):
    return item_services.filing_submit(obligation_id=new_obligation(world).pk,
                                       actor=world.users["secretary"],
                                       reason="涉及个人隐私，暂不公开。",
                                       condition="当事人同意公开后")


def new_change(world):
    return item_services.change_submit(
        item_id=world.item(State.PUBLIC).pk, actor=world.users["secretary"], kind="change",
        new_title="更正后的标题", new_body="更正后的正文", explanation="更正数字。")


def new_plan(world):
    return item_services.workplan_submit(
        organization=world.branch, actor=world.users["secretary"], title="共建活动经费",
        plan="拟公开共建活动经费的来源和使用。", category="other", public_audience="society")


def publicity_of(world, objects):
    """A 公示 on display (objections are taken)."""
    return once(objects, "publicity", lambda: world.item(State.PUBLIC, entry="timely"))


def concluding(world):
    """A 公示 whose period ended with a handled objection: its conclusion is due."""
    item = world.item(State.PUBLIC, entry="timely")
    objection = services.feedback_submit(organization=world.branch, item=item,
                                         author=world.users["member"],
                                         body="公示对象材料不实。", objection=True)
    services.feedback_reject(feedback_id=objection.pk, actor=world.users["secretary"],
                             reason="与本次公示无关。")
    DisclosureItem.objects.filter(pk=item.pk).update(
        display_until=timezone.localdate() - dt.timedelta(days=1))
    item_services.item_expire(item_id=item.pk)
    return item


def answered_feedback(world):
    """Feedback on a public item answered without the confidentiality check for
    publication: the check may still be attested."""
    feedback = services.feedback_submit(organization=world.branch, item=world.item(State.PUBLIC),
                                        author=world.users["member"], body="对公开事项的意见。",
                                        allow_publish=True)
    services.feedback_accept(feedback_id=feedback.pk, actor=world.users["secretary"])
    return services.feedback_reply(feedback_id=feedback.pk, actor=world.users["secretary"],
                                   reply="感谢您的意见。")


def public_of(world, objects):
    return once(objects, "public", lambda: world.item(State.PUBLIC))


def entry_of(world, draw):
    return world.entries[draw(st.sampled_from(["public", "timely", "periodic", "short"]))]


def draft_of(world, draw):
    """Return a new draft of any time-limit type, with the dates that type needs."""
    day = timezone.localdate() - dt.timedelta(days=3)
    return item_services.item_create(
        organization=world.branch, entry=entry_of(world, draw), actor=world.users["secretary"],
        title="党费收缴情况公开", body="正文", event_date=day, period_start=day,
        period_end=day)


def pick(*choices):
    return st.sampled_from(choices)


def known_or_hostile(usual: str, *others: str) -> st.SearchStrategy[str]:
    """Mostly the usual value, so the page gets past its lookup; sometimes anything."""
    return st.one_of(st.just(usual), st.just(usual), pick(*others), hostile_text())


def org(draw) -> str:
    """Return an organization code for the query string: a real one, or anything."""
    return quote(draw(known_or_hostile("B1", "B2", "G", "", "nope")))


# The catalog's two ModelForms exist only in the Django admin, for catalog administrators.
NOT_FUZZED = {"CatalogForm", "CatalogEntryForm"}
def sitting_group(world, objects: dict):
    """The branch's supervision group, with the branch's member as its sitting leader."""
    def make():
        today, sec = timezone.localdate(), world.users["secretary"]
        group = services.supervision_group_elect(
            organization=world.branch, actor=sec, meeting="党员大会", elected_on=today,
            term_start=today - dt.timedelta(days=2), term_end=today + dt.timedelta(days=900))
        services.supervision_seat_add(group_id=group.pk, user=world.users["member"],
                                      actor=sec, since=today - dt.timedelta(days=2),
                                      is_leader=True)
        return group
    return once(objects, "group", make)


def inspection_of(world, objects: dict):
    return once(objects, "inspection", lambda: services.inspection_record(
        group_id=sitting_group(world, objects).pk, actor=world.users["member"],
        inspected_on=timezone.localdate(), scope=[world.branch], checked="查看公开栏"))


def finding_of(world, objects: dict):
    return services.inspection_add_finding(
        record_id=inspection_of(world, objects).pk, actor=world.users["member"],
        organization=world.branch, text="公开栏未及时更新")


def extra_seat(world, objects: dict):
    group = sitting_group(world, objects)
    newcomer = MembershipFactory(user=UserFactory(), organization=world.branch,
                                 role=Role.MEMBER).user
    return services.supervision_seat_add(
        group_id=group.pk, user=newcomer, actor=world.users["secretary"],
        since=group.term_start)


def pending_grant(world):
    """A supervisor role for the branch's member, asked for by another administrator."""
    from portal.grants import grant_request

    return grant_request(user=world.users["member"], organization=world.branch,
                         role=Role.SUPERVISOR, actor=UserFactory(is_staff=True))


def pending_staff_grant(world):
    """Superuser rights for the branch's member, asked for by another superuser."""
    from portal.grants import staff_request

    return staff_request(user=world.users["member"], right="superuser",
                         actor=UserFactory(is_staff=True, is_superuser=True))


def posting_of(world, objects: dict):
    """A standing 公开栏 posting of the branch, recorded by its secretary."""
    return once(objects, "posting", lambda: item_services.ledger_record(
        organization=world.branch, actor=world.users["secretary"],
        item=world.item(State.INTERNAL), carrier="notice_board",
        date=timezone.localdate() - dt.timedelta(days=3), board="支部公开栏"))


LEDGER_TARGETS = {
    "ledger-record-item": Target(LedgerRecordForm, "secretary", lambda w, o, d: (
        f"/items/{once(o, 'recorded', lambda: w.item(State.INTERNAL)).pk}/record/")),
    "ledger-take-down": Target(TakeDownForm, "secretary", lambda w, o, d:
                               f"/ledger/{posting_of(w, o).pk}/take-down/"),
    "ledger-void": Target(VoidForm, "secretary", lambda w, o, d:
                          f"/ledger/{posting_of(w, o).pk}/void/"),
    "ledger-filter": Target(LedgerFilterForm, "secretary", lambda w, o, d: "/orgs/B1/ledger/",
                            "get"),
    "rollout-filter": Target(RolloutFilter, "supervisor", lambda w, o, d:
                             "/supervision/rollout/", "get"),
}
SUPERVISION_TARGETS = {
    "group-new": Target(GroupForm, "secretary", lambda w, o, d: "/supervision-groups/new/?org=B1"),
    "seat-new": Target(SeatForm, "secretary", lambda w, o, d:
                       f"/supervision-groups/{sitting_group(w, o).pk}/seats/"),
    "seat-end": Target(SeatEndForm, "secretary", lambda w, o, d:
                       f"/supervision-groups/seats/{extra_seat(w, o).pk}/end/"),
    "relative-declare": Target(RelativeForm, "secretary",
                               lambda w, o, d: "/supervision-groups/relatives/?org=B1"),
    "inspection-plan": Target(InspectionPlanForm, "member", lambda w, o, d:
                              f"/inspections/plans/new/?group={sitting_group(w, o).pk}"),
    "inspection-record": Target(InspectionRecordForm, "member", lambda w, o, d:
                                f"/inspections/new/?group={sitting_group(w, o).pk}"),
    "inspection-finding": Target(FindingForm, "member", lambda w, o, d:
                                 f"/inspections/{inspection_of(w, o).pk}/findings/"),
    "inspection-order": Target(OpenOrderForm, "member", lambda w, o, d:
                               f"/inspections/findings/{finding_of(w, o).pk}/order/"),
    "inspection-publish": Target(PublishForm, "member", lambda w, o, d:
                                 f"/inspections/{inspection_of(w, o).pk}/publish/"),
    "rectification-evidence": Target(EvidenceForm, "secretary", lambda w, o, d:
                                     f"/rectification/{new_order(w).pk}/evidence/"),
}
TARGETS = {
    "feedback-new": Target(FeedbackForm, None, lambda w, o, d: f"/feedback/new/?org={org(d)}"),
    "feedback-new-member": Target(FeedbackForm, "member", lambda w, o, d:
                                  f"/feedback/new/?item={public_of(w, o).pk}"),
    "objection-new": Target(ObjectionForm, None, lambda w, o, d:
                            f"/feedback/objection/new/?item={publicity_of(w, o).pk}"),
    "objection-new-member": Target(ObjectionForm, "member", lambda w, o, d:
                                   f"/feedback/objection/new/?item={publicity_of(w, o).pk}"),
    "objection-conclude": Target(ConclusionForm, "secretary", lambda w, o, d:
                                 f"/feedback/objections/{concluding(w).pk}/"),
    "feedback-consent": Target(ConsentForm, "member", lambda w, o, d:
                               f"/feedback/{item_feedback(w, o).pk}/consent/"),
    "feedback-publication-check": Target(PublicationCheckForm, "secretary", lambda w, o, d:
                                         f"/feedback/{answered_feedback(w).pk}/"
                                         "publication-check/"),
    "feedback-track": Target(TrackForm, None, lambda w, o, d: "/feedback/track/", "get"),
    "feedback-record": Target(OfflineFeedbackForm, "secretary",
                              lambda w, o, d: f"/feedback/inbox/record/?org={org(d)}"),
    "feedback-handle": Target(HandleForm, "secretary", lambda w, o, d: (
        f"/feedback/{new_feedback(w).pk}/"
        f"{d(pick('accept', 'start', 'reply', 'close'))}/")),
    # 不予受理: the reason is echoed on the confirmation page before anything changes.
    "feedback-decline": Target(DeclineForm, "secretary", lambda w, o, d:
                               f"/feedback/{new_feedback(w).pk}/decline/", overrides={
                                   "confirm": st.sampled_from(["yes", "no", None]),
                                   "edit": st.sampled_from(["1", None])}),
    "feedback-reopen": Target(ReopenForm, "secretary", lambda w, o, d:
                              f"/feedback/{declined_feedback(w).pk}/reopen/"),
    "evaluation-vote": Target(BallotForm, "member", lambda w, o, d:
                              f"/evaluation/{new_campaign(w).pk}/",
                              overrides={"organization": lambda w: st.one_of(
                                  st.just(str(w.branch.pk)),
                                  pick("", "x", "-1", str(w.other_branch.pk)))}),
    "commitment-new": Target(CommitmentForm, "secretary",
                             lambda w, o, d: f"/commitments/new/?org={org(d)}"),
    "commitment-edit": Target(CommitmentEditForm, "secretary", lambda w, o, d:
                              f"/commitments/{once(o, 'promise', lambda: draft_promise(w)).pk}"
                              "/edit/"),
    "leader-comment": Target(LeaderCommentForm, "reviewer",
                             lambda w, o, d: f"/commitments/comments/new/?org={org(d)}"),
    "evaluation-codes": Target(CodeBatchForm, "superuser", lambda w, o, d:
                               f"/evaluation/{once(o, 'campaign', lambda: new_campaign(w)).pk}"
                               "/codes/"),
    "evaluation-resident": Target(ResidentBallotForm, None, lambda w, o, d:
                                  f"/evaluation/{once(o, 'campaign', lambda: new_campaign(w)).pk}"
                                  "/resident/"),
    "register": Target(SignUpForm, None, lambda w, o, d: "/accounts/register/"),
    "rectification-new": Target(OrderForm, "supervisor",
                                lambda w, o, d: f"/rectification/new/?org={org(d)}"),
    "rectification-respond": Target(TextForm, "secretary", lambda w, o, d:
                                    f"/rectification/{new_order(w).pk}/respond/"),
    "rectification-verify": Target(TextForm, "supervisor", lambda w, o, d: (
        f"/rectification/{new_order(w, responded=True).pk}/{d(pick('close', 'send-back'))}/")),
    "item-create": Target(ItemForm, "secretary", lambda w, o, d:
                          f"/workspace/B1/new/{entry_of(w, d).pk}/"),
    "item-edit": Target(ItemForm, "secretary", lambda w, o, d:
                        f"/items/{draft_of(w, d).pk}/edit/"),
    "item-attachment": Target(AttachmentForm, "secretary", lambda w, o, d:
                              f"/items/{once(o, 'draft', w.item).pk}/attachments/"),
    "item-transition": Target(CommentForm, "secretary", lambda w, o, d: (
        f"/items/{w.item(d(pick(State.DRAFT, State.APPROVED, State.INTERNAL))).pk}/"
        f"{d(pick('submit', 'discard', 'publish-internal', 'release-public'))}/")),
    "item-review": Target(ReviewForm, "reviewer", lambda w, o, d:
                          f"/items/{w.item(State.SUBMITTED).pk}/review/"),
    "item-plan-public": Target(PlanPublicForm, "secretary", lambda w, o, d:
                               f"/items/{once(o, 'internal', lambda: w.item(State.INTERNAL)).pk}"
                               "/plan-public/"),
    "item-annual-plan": Target(AnnualPlanForm, "secretary", lambda w, o, d:
                               f"/items/{once(o, 'internal', lambda: w.item(State.INTERNAL)).pk}"
                               "/annual-plan/", overrides={
                                   "catalog": lambda w: st.one_of(
                                       st.just(str(w.entries["public"].catalog_id)),
                                       pick("", "x", "-1", "999999")),
                                   "remove": st.sampled_from(["1", None])}),
    "item-list": Target(ItemFilterForm, None, lambda w, o, d: "/items/", "get"),
    "item-export": Target(ItemFilterForm, None, lambda w, o, d:
                          f"/items/export.{d(pick('csv', 'xlsx'))}", "get"),
    "workspace": Target(WorkspaceFilterForm, "secretary", lambda w, o, d: "/workspace/", "get",
                        overrides={"org": known_or_hostile("B1", "B2", "")}),
    "api-items": Target(ItemQuery, None, lambda w, o, d: "/api/v1/items/", "get", overrides={
        "organization": known_or_hostile("B1", "G", "", "nope"),
        "page": known_or_hostile("1", "2", "0", "-1", "99999999999999999999")}),
    "change-new": Target(ChangeForm, "secretary", lambda w, o, d:
                         f"/items/{w.item(State.PUBLIC).pk}/change/"),
    "change-decide": Target(ChangeDecisionForm, "committee_reviewer", lambda w, o, d:
                            f"/changes/{new_change(w).pk}/{d(pick('approve', 'reject'))}/",
                            overrides={"comment": st.one_of(marked_text(), hostile_text())}),
    "plan-new": Target(PlanForm, "secretary", lambda w, o, d: f"/plans/new/?org={org(d)}"),
    "plan-decide": Target(None, "committee_reviewer", lambda w, o, d:
                          f"/plans/{new_plan(w).pk}/{d(pick('approve', 'reject'))}/",
                          overrides={"comment": st.one_of(marked_text(), hostile_text())}),
    "request-new": Target(RequestForm, "member", lambda w, o, d: f"/requests/new/?org={org(d)}"),
    "request-answer": Target(AnswerForm, "secretary", lambda w, o, d:
                             f"/requests/{new_request(w).pk}/"),
    "request-draft": Target(RequestDraftForm, "secretary", lambda w, o, d:
                            f"/requests/{new_request(w).pk}/draft/", overrides={
                                "entry": lambda w: st.sampled_from(
                                    [str(w.entries["public"].pk), "", "0"])}),
    "obligation-file": Target(FilingForm, "secretary", lambda w, o, d:
                              f"/obligations/{new_obligation(w).pk}/file/"),
    "filing-decide": Target(None, "reviewer", lambda w, o, d: (
        f"/filings/{new_filing(w).pk}/{d(pick('acknowledge', 'return'))}/"),
        overrides={"comment": st.one_of(marked_text(), hostile_text())}),
    "archive-register": Target(RegisterFilterForm, "secretary", lambda w, o, d: "/archive/",
                               "get"),
    "supervision-history": Target(HistoryFilter, "supervisor",
                                  lambda w, o, d: "/supervision/history/", "get"),
    "admin-import": Target(ImportForm, "superuser",
                           lambda w, o, d: "/admin/portal/organization/import/"),
    "admin-load-defaults": Target(
        LoadDefaultsForm, "superuser", lambda w, o, d: "/admin/catalog/catalog/load-defaults/",
        overrides={"issuer": lambda w: st.one_of(st.just(str(w.committee.pk)),
                                                 pick("", "x", "-1", "999999")),
                   "confirm": st.sampled_from(["1", None])}),
    "report-list": Target(ReportFilterForm, "supervisor", lambda w, o, d: "/reports/", "get"),
    "report-generate": Target(ReportGenerateForm, "secretary", lambda w, o, d: "/reports/new/",
                              overrides={"organization": lambda w: st.one_of(
                                  st.just("B1"), pick("", "x", "C", "B2")),
                                  "year": lambda w: st.one_of(
                                      st.integers(1990, 2040).map(str), hostile_text())}),
    "report-edit": Target(ReportEditForm, "secretary", lambda w, o, d: (
        f"/reports/{once(o, 'report', lambda: new_report(w)).pk}/edit/")),
    "admin-roll-over": Target(
        RollOverForm, "superuser", lambda w, o, d: "/admin/catalog/catalog/", overrides={
            "action": st.just("roll_over"), "select_across": st.sampled_from(["0", "1"]),
            "_selected_action": lambda w: st.one_of(
                st.just(str(w.entries["public"].catalog_id)), pick("", "x", "-1"))}),
    "admin-membership-add": Target(MembershipForm, "superuser",
                                   lambda w, o, d: "/admin/portal/membership/add/"),
    "admin-user-add-staff": Target(NoPasswordCreationForm, "staff",
                                   lambda w, o, d: "/admin/portal/user/add/"),
    "admin-rolegrant-add": Target(RoleGrantForm, "staff",
                                  lambda w, o, d: "/admin/portal/rolegrant/add/"),
    "admin-rolegrant-decide": Target(DecisionForm, "superuser", lambda w, o, d: (
        f"/admin/portal/rolegrant/{once(o, 'grant', lambda: pending_grant(w)).pk}/change/"),
        overrides={"_decide": st.sampled_from(["approve", "refuse", "x"])}),
    "admin-staffgrant-add": Target(StaffGrantForm, "superuser",
                                   lambda w, o, d: "/admin/portal/staffgrant/add/"),
    "admin-staffgrant-decide": Target(DecisionForm, "superuser", lambda w, o, d: (
        f"/admin/portal/staffgrant/{once(o, 'staffgrant', lambda: pending_staff_grant(w)).pk}"
        "/change/"), overrides={"_decide": st.sampled_from(["approve", "refuse", "x"])}),
    "login": Target(AuthenticationForm, None, lambda w, o, d: "/accounts/login/"),
    "password-change": Target(PasswordChangeForm, "member",
                              lambda w, o, d: "/accounts/password/change/"),
    "password-reset": Target(QueuedPasswordResetForm, None,
                             lambda w, o, d: "/accounts/password/reset/"),
    "password-reset-confirm": Target(SetPasswordForm, None, lambda w, o, d:
                                     "/accounts/password/reset/x/set-password/"),
    "set-language": Target(None, None, lambda w, o, d: "/i18n/setlang/", overrides={
        "language": st.one_of(st.sampled_from(["en", "zh-hans"]), hostile_text()),
        "next": st.one_of(st.sampled_from(["/items/", "//evil.example"]), hostile_text())}),
    **SUPERVISION_TARGETS,
    **LEDGER_TARGETS,
}


def portal_forms() -> set[str]:
    found, pending = set(), [forms.BaseForm]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.split(".")[0] in {"portal", "catalog", "disclosure", "feedback",
                                            "archive"}:
            found.add(cls.__name__)
    return found


def test_every_form_of_the_portal_is_fuzzed():
    assert get_resolver().url_patterns  # imports every view module and the admin
    fuzzed = {t.form.__name__ for t in TARGETS.values() if t.form is not None}
    assert portal_forms() - NOT_FUZZED <= fuzzed
    assert len(portal_forms()) >= 25


def assert_safe(response) -> None:
    assert response.status_code < 500, response.status_code
    if response.streaming or "html" not in response.get("Content-Type", ""):
        return
    body = response.content.decode(errors="replace")
    found = RAW.search(body)
    assert found is None, body[max(found.start() - 300, 0): found.end() + 300]


@pytest.fixture
def fuzz_settings(settings):
    settings.FEEDBACK_RATE_LIMIT_PER_HOUR = 10**6
    settings.RATE_LIMITS = {scope: (10**6, window)
                            for scope, (_limit, window) in settings.RATE_LIMITS.items()}
    settings.AXES_ENABLED = False
    cache.clear()
    return settings


@pytest.mark.parametrize("name", TARGETS)
def test_form_survives_hostile_input_and_escapes_it(world, fuzz_settings, name):
    target = TARGETS[name]
    client = Client()
    if target.user == "superuser":
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
    elif target.user == "staff":  # a catalog admin: staff with the portal's model rights
        staff = UserFactory(is_staff=True)
        staff.user_permissions.set(Permission.objects.filter(content_type__app_label="portal"))
        client.force_login(staff)
    elif target.user:
        client.force_login(world.users[target.user])
    objects: dict = {}
    fields = target.form.base_fields if target.form else {}
    overrides = {name: kind(world) if callable(kind) else kind
                 for name, kind in target.overrides.items()}

    @EXAMPLES
    @given(data=st.data())
    def run(data) -> None:
        url = target.url(world, objects, data.draw)
        values = data.draw(form_data(fields, overrides))
        if target.method == "get":
            response = client.get(url, {k: v for k, v in values.items()
                                        if not hasattr(v, "read")}, follow=True)
        else:
            response = client.post(url, values, follow=True)
        assert_safe(response)

    run()


@pytest.mark.parametrize("user", ["secretary", None])
@pytest.mark.parametrize("url", [
    "/feedback/new/?org=B1%00", "/rectification/new/?org=B1%00", "/requests/new/?org=B1%00",
    "/items/?organization=B1%00", "/items/export.csv?organization=B1%00", "/orgs/?q=%00",
    "/orgs/B1%00/", "/feeds/orgs/B1%00.atom", "/archive/A%00/",
    "/api/v1/organizations/B1%00/",
])
def test_nul_in_the_address_is_a_bad_request_not_a_server_error(world, url, user):
    client = Client(raise_request_exception=False)
    if user:
        client.force_login(world.users[user])
    path, _sep, query = url.partition("?")
    response = client.get(path.replace("%00", "\x00"), QueryDict(query))
    assert response.status_code == 400


def test_nul_in_a_form_field_is_a_bad_request_and_saves_nothing(world):
    change = new_change(world)
    client = Client(raise_request_exception=False)
    client.force_login(world.users["committee_reviewer"])
    response = client.post(f"/changes/{change.pk}/approve/", {"comment": "同意\x00"})
    assert response.status_code == 400
    change.refresh_from_db()
    assert change.state == "submitted"


def test_body_beyond_the_upload_limits_is_a_bad_request(world, fuzz_settings):
    client = Client(raise_request_exception=False)
    too_big = "<fz-x9>" * (fuzz_settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 7 + 1)
    assert client.post("/feedback/new/?org=B1", {"body": too_big}).status_code == 400
    too_many = {f"field{n}": "x" for n in range(fuzz_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    assert client.post("/feedback/new/?org=B1", too_many).status_code == 400
