"""Demo: the workflows beside publishing, each with a row to open: a change request
approved (the new version published, the old text kept in the item's history) and one
waiting for the committee, an out-of-catalog work plan waiting for approval, a declined
piece of feedback, and an application answered. Running it again changes nothing."""

from __future__ import annotations

from disclosure import services
from disclosure.models import ChangeRequest, DisclosureItem, DisclosureRequest, WorkPlan

CHANGED_TITLE = "支部委员会组织设置和班子分工"
CHANGED_BODY = ("## 组织设置\n\n支部委员会由3名委员组成。\n\n## 分工\n\n"
                "- 书记：李红梅，主持全面工作\n- 组织委员：刘强，负责组织发展和党费收缴\n"
                "- 宣传委员：吴芳，负责理论学习和宣传")
PENDING_TITLE = "东风社区党支部党务公开载体和反馈渠道"
PLAN_TITLE = "街道机关第一党支部“结对共建”活动情况"
DECLINED = "这个网站的字太小了"


def _changes(orgs, users) -> None:
    approved = DisclosureItem.objects.filter(organization=orgs["CD-JG-01"],
                                             title=CHANGED_TITLE).first()
    if approved is not None and not approved.change_requests.exists():
        change = services.change_submit(
            item_id=approved.pk, actor=users["secretary"], kind=ChangeRequest.Kind.CHANGE,
            explanation="补充组织委员和宣传委员的姓名。", new_title=CHANGED_TITLE,
            new_body=CHANGED_BODY)
        services.change_decide(request_id=change.pk, actor=users["reviewer2"], approve=True,
                               comment="经保密审查，同意变更。", confidentiality_checked=True)
    pending = DisclosureItem.objects.filter(organization=orgs["CD-SQ-01"],
                                            title=PENDING_TITLE).first()
    if pending is not None and not pending.change_requests.exists():
        services.change_submit(
            item_id=pending.pk, actor=users["secretary2"], kind=ChangeRequest.Kind.CHANGE,
            explanation="监督电话号码变更，更新反馈渠道。", new_title=PENDING_TITLE,
            new_body=pending.body.replace("0731-8888 1234", "0731-8888 5678"))


def _work_plan(orgs, users) -> None:
    if WorkPlan.objects.filter(title=PLAN_TITLE).exists():
        return
    services.workplan_submit(
        organization=orgs["CD-JG-01"], actor=users["secretary"], title=PLAN_TITLE,
        plan="与东风社区党支部开展结对共建，公开共建项目、活动安排和成效，接受党员群众监督。",
        category="service")


def _declined_feedback(orgs, users) -> None:
    from feedback import services as feedback_services
    from feedback.models import Feedback

    if Feedback.objects.filter(body__startswith=DECLINED).exists():
        return
    declined = feedback_services.feedback_submit(
        organization=orgs["CD-JG-01"], item=None, author=None, address="127.0.0.1",
        body=DECLINED + "，看不清。")
    feedback_services.feedback_reject(
        feedback_id=declined.pk, actor=users["secretary"],
        reason="与党务公开内容无关，已转交平台运维人员。")


def _answered_request(orgs, users) -> None:
    if DisclosureRequest.objects.exclude(state=DisclosureRequest.State.SUBMITTED).exists():
        return
    request = DisclosureRequest.objects.filter(
        organization=orgs["CD-JG-01"], state=DisclosureRequest.State.SUBMITTED).first()
    if request is None:
        return
    services.request_answer(
        request_id=request.pk, actor=users["secretary"],
        decision=DisclosureRequest.State.DECLINED,
        answer="年度党建经费预算尚在编制，编制完成后将按目录公开。")


def seed(orgs, users) -> None:
    _changes(orgs, users)
    _work_plan(orgs, users)
    _declined_feedback(orgs, users)
    _answered_request(orgs, users)
