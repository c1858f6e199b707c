"""Load the demo: a sub-district committee, its branches, the default catalogs it issues,
items in every state (public ones in every category, some with attachments), and one
account per role. Running it again changes nothing."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from archive.services import archive_item
from catalog import defaults
from catalog.models import CatalogEntry
from catalog.services import load_default_catalogs
from disclosure import obligations, services
from disclosure.models import DisclosureItem
from portal.calendar import add_working_days, period_containing
from portal.holidays import load_recent
from portal.models import Membership, Organization, Role, User

from . import (
    _demo_catalog,
    _demo_evaluation,
    _demo_grants,
    _demo_ledger,
    _demo_report,
    _demo_rollout,
    _demo_supervision,
    _demo_workflows,
)
from ._demo_files import docx_notice, pdf_notice, png_bars

DEMO_PASSWORD = "demo-pass-2026"
CATALOG_ADMINS = "目录管理员组"

ORGS = [
    # code, name, level, kind, parent code
    ("CD", "城东街道党工委", "committee", "agency", None),
    ("CD-JG", "城东街道机关党总支", "general_branch", "agency", "CD"),
    ("CD-SQ", "城东街道社区党总支", "general_branch", "community", "CD"),
    ("CD-JG-01", "街道机关第一党支部", "branch", "agency", "CD-JG"),
    ("CD-JG-02", "街道机关第二党支部", "branch", "agency", "CD-JG"),
    ("CD-SQ-01", "东风社区党支部", "branch", "community", "CD-SQ"),
    ("CD-SQ-02", "向阳社区党支部", "branch", "community", "CD-SQ"),
]

USERS = [
    # username, full name, [(org code, role)]
    ("secretary", "李红梅", [("CD-JG-01", Role.SECRETARY)]),
    ("secretary2", "王建国", [("CD-SQ-01", Role.SECRETARY)]),
    ("reviewer", "张志强", [("CD-JG", Role.REVIEWER)]),
    ("reviewer2", "陈静", [("CD-SQ", Role.REVIEWER), ("CD", Role.REVIEWER)]),
    ("member", "赵明", [("CD-JG-01", Role.MEMBER)]),
    ("member2", "孙丽", [("CD-SQ-01", Role.MEMBER)]),
    ("cd_secretary", "吴军", [("CD", Role.SECRETARY)]),
    ("jg_secretary", "郑伟", [("CD-JG", Role.SECRETARY)]),
    ("staff", "钱芳", [("CD-JG-01", Role.PEOPLE)]),
    ("supervisor", "周正", [("CD", Role.SUPERVISOR)]),
]

class Command(BaseCommand):
    help = "Load the demo organizations, catalog, accounts and items (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        load_recent()
        orgs = self._orgs()
        users = self._users(orgs)
        entries = self._catalogs(orgs)
        self._items(orgs, users, entries)
        self._obligations()
        self._voices(orgs, users)
        _demo_rollout.seed(orgs, users)
        _demo_supervision.seed(orgs, users)
        _demo_ledger.seed(orgs, users)
        _demo_evaluation.seed(orgs, users)
        _demo_report.seed(orgs, users)
        _demo_catalog.seed(orgs, users)
        _demo_grants.seed_pending_grant(orgs, users)
        _demo_workflows.seed(orgs, users)
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: {len(orgs)} organizations, {len(users)} accounts, "
            f"{DisclosureItem.objects.count()} items. Password for every account: {DEMO_PASSWORD}"
        ))

    def _orgs(self) -> dict[str, Organization]:
        orgs: dict[str, Organization] = {}
        for code, name, level, kind, parent in ORGS:
            org, _ = Organization.objects.get_or_create(code=code, defaults={
                "name": name, "level": level, "kind": kind,
                "parent": orgs.get(parent) if parent else None,
            })
            orgs[code] = org
        return orgs

    def _user(self, username: str, full_name: str, **extra) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "email": f"{username}@example.org", **extra},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _users(self, orgs: dict[str, Organization]) -> dict[str, User]:
        users = {"admin": self._user("admin", "系统管理员", is_staff=True, is_superuser=True)}
        catalog_admin = self._user("catalog_admin", "目录管理员", is_staff=True)
        if not Group.objects.filter(name=CATALOG_ADMINS).exists():  # its English name before
            Group.objects.filter(name="Catalog administrators").update(name=CATALOG_ADMINS)
        group, _ = Group.objects.get_or_create(name=CATALOG_ADMINS)
        group.permissions.set(Permission.objects.filter(
            content_type__app_label__in=["catalog", "portal", "feedback"],
        ).exclude(codename__in=["view_internal", "publish", "review", "supervise"]))
        catalog_admin.groups.add(group)
        users["catalog_admin"] = catalog_admin
        since = timezone.localdate() - timedelta(days=400)
        for username, full_name, roles in USERS:
            user = self._user(username, full_name)
            for code, role in roles:
                if not Membership.objects.filter(user=user, organization=orgs[code],
                                                 role=role).exists():
                    Membership.objects.create(user=user, organization=orgs[code], role=role,
                                              since=since)
            users[username] = user
        # Members of a branch are members of the bodies above it for intra-party reading only
        # where they hold a membership there; the demo keeps it to their own branch.
        return users

    def _catalogs(self, orgs: dict[str, Organization]) -> dict[str, dict[str, CatalogEntry]]:
        """Load the default catalogs the committee issues, in force since last year; return
        each organization's entries by code (its type's catalog, the committee its own)."""
        issuer = orgs["CD"]
        load_default_catalogs(issuer=issuer,
                              effective_from=dt.date(timezone.localdate().year - 1, 1, 1))
        by_catalog: dict[str, dict[str, CatalogEntry]] = {}
        for entry in CatalogEntry.objects.filter(
                catalog__issuer=issuer, catalog__version=defaults.DEFAULT_VERSION,
                catalog__name__in=defaults.CATALOG_NAMES.values()).select_related("catalog"):
            by_catalog.setdefault(entry.catalog.name, {})[entry.code] = entry
        return {code: by_catalog[defaults.CATALOG_NAMES[
            defaults.OWN if org == issuer else org.kind]] for code, org in orgs.items()}

    # Who drafts and who reviews at each organization that has demo items.
    OFFICERS = {"CD-JG-01": ("secretary", "reviewer"), "CD-SQ-01": ("secretary2", "reviewer2"),
                "CD": ("cd_secretary", "reviewer2"), "CD-JG": ("jg_secretary", "reviewer2")}

    def _items(self, orgs, users, entries) -> None:
        for code, target, entry_code, title, body, dates, files in self._plan(entries):
            org = orgs[code]
            if DisclosureItem.objects.filter(organization=org, title=title).exists():
                continue
            sec, rev = (users[name] for name in self.OFFICERS[code])
            item = services.item_create(organization=org, entry=entries[code][entry_code],
                                        actor=sec, title=title, body=body, **dates)
            for name, content in files:
                services.attachment_add(item_id=item.pk, actor=sec,
                                        upload=SimpleUploadedFile(name, content))
            self._advance(item, target, sec, rev)

    def _plan(self, entries) -> list[tuple]:
        """Return the demo items: organization, target state, entry code, title, body,
        dates and attachments. Every category has public items."""
        today = timezone.localdate()
        this_year = {"period_start": dt.date(today.year, 1, 1),
                     "period_end": dt.date(today.year, 12, 31)}
        last_year = {"period_start": dt.date(today.year - 1, 1, 1),
                     "period_end": dt.date(today.year - 1, 12, 31)}
        quarter = period_containing("quarter", today).previous()
        half = period_containing("half_year", today).previous()
        with translation.override("zh-hans"):
            q_label, h_label = quarter.label(), half.label()

        def days_ago(days: int) -> dict[str, dt.date]:
            return {"event_date": today - timedelta(days=days)}

        last_december = {"event_date": dt.date(today.year - 1, 12, 1)}
        candidates = "换届选举候选人名单（示例）\n1. 李红梅\n2. 刘强\n3. 吴芳\n".encode()
        return [
            # 街道机关第一党支部 (机关)
            ("CD-JG-01", "public", "SX-01", f"{today.year}年度理论学习计划",
             "## 学习安排\n\n| 月份 | 主题 |\n| --- | --- |\n| 1月 | 党章党规 |\n"
             "| 2月 | 党的二十大精神 |\n| 3月 | 党史学习 |\n\n每月第一个周五下午集中学习。",
             this_year, []),
            ("CD-JG-01", "public", "BZ-01", "支部委员会组织设置和班子分工",
             "## 组织设置\n\n支部委员会由3名委员组成。\n\n## 分工\n\n- 书记：李红梅，主持全面工作\n"
             "- 组织委员：负责组织发展和党费收缴\n- 宣传委员：负责理论学习和宣传",
             days_ago(40), []),
            ("CD-JG-01", "public", "LZ-02", f"{today.year}年度党务公开承诺和廉政承诺",
             "## 承诺人\n\n街道机关第一党支部及书记李红梅\n\n## 承诺事项\n\n"
             "1. 按目录及时、真实公开党务\n2. 严守廉洁自律规定\n3. 接受党员群众监督\n\n"
             "## 践诺情况\n\n年底向党员大会报告。", this_year, []),
            ("CD-JG-01", "internal", "ZZ-01", f"{q_label}党费收缴、管理和使用情况",
             "## 党费收缴情况\n\n| 项目 | 人数 | 金额（元） |\n| --- | --- | --- |\n"
             "| 应缴党费 | 23 | 3,260.00 |\n| 实缴党费 | 23 | 3,260.00 |\n"
             "| 上缴上级党委 | — | 3,260.00 |\n\n全体党员按时足额缴纳党费。",
             {"period_start": quarter.start, "period_end": quarter.end}, []),
            ("CD-JG-01", "internal_only", "ZZ-04", f"{today.year - 1}年度民主评议党员结果",
             "## 评议结果\n\n参评党员23名，评为优秀5名、合格18名。", last_year, []),
            ("CD-JG-01", "approved", "ZZ-02", "关于确定王小明同志为发展对象的公示",
             "## 公示对象\n\n- 姓名：王小明\n- 入党申请时间：2024年3月\n\n公示期为5个工作日。",
             {"event_date": self._event_due_this_month(
                 today, entries["CD-JG-01"]["ZZ-02"].due_days)}, []),
            ("CD-JG-01", "submitted", "JC-01", f"{today.year}年度支部工作计划",
             "## 工作计划\n\n1. 加强理论学习\n2. 规范组织生活\n3. 做好党员服务", this_year, []),
            ("CD-JG-01", "returned", "FW-01", "为民办实事项目公示",
             "## 项目清单\n\n- 老旧小区楼道照明改造", days_ago(3), []),
            ("CD-JG-01", "archived", "FW-01", f"{today.year - 1}年为民办实事项目公示",
             "## 项目清单\n\n- 社区食堂改造（已完成）\n- 楼道照明更新（已完成）",
             last_december, []),
            ("CD-JG-01", "archived_public", "BZ-01", f"{today.year - 1}年支部委员会分工",
             "## 分工\n\n- 书记：李红梅\n- 组织委员：刘强\n- 宣传委员：吴芳", last_december, []),
            ("CD-JG-01", "draft", "ZZ-03", "支部委员会换届选举结果", "## 选举结果\n\n（待填写）",
             days_ago(20), [("候选人名单.txt", candidates)]),
            ("CD-JG-01", "public", "ZZ-06", f"{today.year - 1}年度党务工作经费管理和使用情况",
             "## 经费收支\n\n| 项目 | 金额（元） |\n| --- | --- |\n| 上年结转 | 1,200.00 |\n"
             "| 本年拨付 | 8,000.00 |\n| 党员教育培训 | 4,650.00 |\n| 党建阵地维护 | 2,300.00 |\n"
             "| 结余 | 2,250.00 |\n\n向机关干部职工公开。", last_year, []),
            # 机关党总支: an intra-party item for its whole subtree (the branches below it)
            ("CD-JG", "internal", "JC-03", "机关党总支关于加强机关作风建设的决定",
             "## 决定事项\n\n1. 每月开展一次作风建设专题学习\n2. 建立服务群众首问负责制\n\n"
             "本决定在机关党总支及所属各党支部党员中公开。",
             {**days_ago(10), "party_audience": "subtree"}, []),
            # 东风社区党支部 (社区)
            ("CD-SQ-01", "publicity_ended", "ZZ-02", "关于李娜同志预备党员转正的公示",
             "## 公示对象\n\n| 姓名 | 性别 | 入党时间 |\n| --- | --- | --- |\n"
             "| 李娜 | 女 | 去年11月 |\n\n公示期为5个工作日。", days_ago(25), []),
            ("CD-SQ-01", "internal", "BZ-01", "东风社区党支部组织设置和班子分工",
             "## 组织设置\n\n支部委员会由5名委员组成。", days_ago(30), []),
            ("CD-SQ-01", "public", "JC-05", f"{h_label}社区资产、资金、资源管理情况",
             "## 资金收支\n\n| 项目 | 收入（元） | 支出（元） | 决策依据 |\n"
             "| --- | --- | --- | --- |\n| 社区服务用房出租 | 36,000.00 |  | 社区“两委”会议 |\n"
             "| 楼道照明改造 |  | 18,500.00 | 居民代表会议 |\n\n明细见附件。",
             {"period_start": half.start, "period_end": half.end},
             [("资金收支明细.pdf", pdf_notice("东风社区资金收支明细", [
                 f"期间：{h_label}", "社区服务用房出租收入：36,000.00元",
                 "楼道照明改造支出：18,500.00元", "结余：17,500.00元"]))]),
            ("CD-SQ-01", "public", "ZZ-02", "关于确定张伟同志为发展对象的公示",
             "## 公示对象\n\n| 姓名 | 性别 | 出生年月 | 申请入党时间 |\n"
             "| --- | --- | --- | --- |\n| 张伟 | 男 | 1995年6月 | 2023年4月 |\n\n"
             "公示期为5个工作日。对公示对象有意见的，请向社区党支部反映。", days_ago(2), []),
            ("CD-SQ-01", "public", "FW-01", f"{today.year}年东风社区为民办实事项目公示",
             "## 项目清单\n\n| 项目 | 主要内容 | 完成时限 |\n| --- | --- | --- |\n"
             "| 老年助餐点 | 新增助餐点一处 | 6月底 |\n| 加装电梯 | 协助三栋楼加装电梯 | 10月底 |\n"
             "| 口袋公园 | 改造闲置地块 | 12月底 |\n\n项目进度见附图。", days_ago(5),
             [("项目进度.png", png_bars([100, 60, 25]))]),
            ("CD-SQ-01", "public", "FW-05", "东风社区党员服务事项和办事指南",
             "## 服务事项\n\n- 组织关系转接\n- 党费缴纳\n- 入党申请受理\n\n"
             "办事指南全文见附件（Word 文档）。", days_ago(15),
             [("党员服务办事指南.docx", docx_notice("东风社区党员服务办事指南", [
                 "一、组织关系转接：携带介绍信到社区党群服务中心办理。",
                 "二、党费缴纳：每月10日前通过线上或到党群服务中心缴纳。",
                 "三、入党申请受理：向社区党支部递交书面申请，一个月内谈话。",
                 "办理时间：工作日 9:00—17:00；咨询电话：0731-8888 1234。"]))]),
            ("CD-SQ-01", "public", "QT-01", "东风社区党支部党务公开载体和反馈渠道",
             "## 公开载体\n\n- 公开栏位置：社区党群服务中心一楼\n- 网站栏目：本平台\n\n"
             "## 反馈渠道\n\n- 意见箱：党群服务中心门口\n- 监督电话：0731-8888 1234\n"
             "- 接待日：每月第一个周三", days_ago(60), []),
            # 城东街道党工委 itself (本级)
            ("CD", "public", "JC-01", f"城东街道党工委{today.year}年度党务公开实施方案",
             "## 目标任务\n\n机关、社区等基层党组织全面实行党务公开。\n\n## 公开程序\n\n"
             "1. 制定目录\n2. 实施公开\n3. 收集反馈\n4. 归档管理\n\n方案全文见附件。",
             this_year, [("党务公开实施方案.pdf", pdf_notice(
                 f"城东街道党工委{today.year}年度党务公开实施方案", [
                     "一、指导思想和基本原则", "二、目标任务", "三、公开内容、程序、载体和形式",
                     "四、工作步骤", "五、工作要求"]))]),
            ("CD", "public", "GB-01", "城东街道干部任前公示",
             "## 拟任人选\n\n| 姓名 | 现任职务 | 拟任职务 |\n| --- | --- | --- |\n"
             "| 陈晓东 | 街道党政办副主任 | 街道党政办主任 |\n\n公示期为5个工作日。", days_ago(1),
             [("任前公示.pdf", pdf_notice("城东街道干部任前公示", [
                 "拟任人选：陈晓东", "现任职务：街道党政办副主任", "拟任职务：街道党政办主任",
                 "公示期：5个工作日", "受理电话：0731-8888 0000"]))]),
        ]

    def _voices(self, orgs, users) -> None:
        """Feedback, an application, a filing and a rectification order, once."""
        from disclosure.models import DisclosureRequest, NonDisclosureFiling, Obligation
        from disclosure.services import filing_submit, request_submit
        from feedback import services as feedback_services
        from feedback.models import Feedback, RectificationOrder

        branch, sec = orgs["CD-JG-01"], users["secretary"]
        # (The 公示's objection, seeded with the items, is feedback too.)
        if not Feedback.objects.filter(body__startswith="建议在公开栏").exists():
            from disclosure.visibility import public_items

            public = public_items().filter(organization=branch).order_by("pk").first()
            answered = feedback_services.feedback_submit(
                organization=branch, item=public, author=None, allow_publish=True,
                allow_publish_question=True,
                body="建议在公开栏同时张贴学习计划的具体时间和地点。", address="127.0.0.1")
            feedback_services.feedback_accept(feedback_id=answered.pk, actor=sec)
            feedback_services.feedback_reply(
                feedback_id=answered.pk, actor=sec,
                reply="感谢建议。每月学习的时间地点已补充在公开栏，并将提前三天通知。",
                confidentiality_checked=True)
            feedback_services.feedback_submit(
                organization=branch, item=None, author=users["member"],
                body="希望党费使用情况能按项目列出明细。")
            feedback_services.feedback_record_offline(
                organization=branch, actor=sec, channel="hotline",
                body="居民来电询问发展党员公示期的起止时间。", name="王先生")
        if not DisclosureRequest.objects.exists():
            request_submit(organization=branch, applicant=users["member"],
                           subject="申请公开支部年度党建经费预算")
            request_submit(organization=orgs["CD-JG"], applicant=users["member"],
                           subject="申请公开机关党总支年度考核结果")
        if not NonDisclosureFiling.objects.exists():
            # An overdue obligation where there is one, else one still open: the
            # reviewers' inbox always has a filing to acknowledge.
            obligation = Obligation.objects.filter(
                organization=orgs["CD-JG-02"], entry__code="ZZ-01",
                state__in=["overdue", "open"]).order_by("-state", "due_date").first()
            if obligation is not None:
                secretary_two = self._user("secretary3", "刘洋")
                Membership.objects.get_or_create(
                    user=secretary_two, organization=orgs["CD-JG-02"], role=Role.SECRETARY,
                    defaults={"since": timezone.localdate() - timedelta(days=400)})
                filing_submit(obligation_id=obligation.pk, actor=secretary_two,
                              reason="该季度党费账目正在接受上级审计，审计结束后公开。",
                              condition="待上级审计结束后")
        from feedback.models import Campaign
        from feedback.services import campaign_open

        if not Campaign.objects.exists():
            campaign = Campaign.objects.create(
                title=f"{timezone.localdate().year}年度党务公开工作民主评议",
                period_label=f"{timezone.localdate().year}年度")
            campaign.organizations.set([orgs[c] for c in ("CD-JG-01", "CD-JG-02", "CD-SQ-01",
                                                          "CD-SQ-02")])
            campaign_open(campaign_id=campaign.pk, actor=users["admin"])
        if not RectificationOrder.objects.exists():
            feedback_services.rectification_order(
                organization=branch, actor=users["supervisor"],
                finding="2026年第三季度党费收缴情况逾期公开。",
                requirement="说明逾期原因，建立按季度提前准备的工作机制。",
                due_date=timezone.localdate() + timedelta(days=14))

    @staticmethod
    def _event_due_this_month(today: dt.date, due_days: int) -> dt.date:
        """Return an event date whose disclosure falls due later this month, if one can."""
        month_end = period_containing("month", today).end
        for back in range(0, 20):
            event = today - timedelta(days=back)
            if today <= add_working_days(event, due_days) <= month_end:
                return event
        return today

    def _obligations(self) -> None:
        """Generate obligations as the scheduler would have since last quarter, so the
        secretaries' calendars show due, overdue and done disclosures."""
        today = timezone.localdate()
        for days_ago in (100, 60, 0):
            obligations.generate_periodic_obligations(today - timedelta(days=days_ago))
        obligations.mark_overdue(today)

    def _advance(self, item: DisclosureItem, target: str, sec: User, rev: User) -> None:
        if target == "draft":
            return
        services.item_submit(item_id=item.pk, actor=sec)
        if target == "submitted":
            return
        if target == "returned":
            services.item_return(item_id=item.pk, actor=rev,
                                 comment="请补充项目预算和完成时限。")
            return
        services.item_approve(item_id=item.pk, actor=rev, confidentiality_checked=True,
                              comment="经保密审查，同意公开。")
        if target == "approved":
            return
        services.item_publish_internal(item_id=item.pk, actor=sec)
        if target == "archived":
            archive_item(item_id=item.pk, actor=sec)
            return
        if target not in ("public", "archived_public", "publicity_ended"):
            return
        # The demo's public items went through the intra-party lead time long ago.
        earlier = timezone.now() - timedelta(days=20)
        DisclosureItem.objects.filter(pk=item.pk).update(internal_at=earlier)
        services.item_release_public(item_id=item.pk, actor=sec)
        if target == "archived_public":  # filed, and still open to everyone at its address
            archive_item(item_id=item.pk, actor=sec)
        if target == "publicity_ended":
            self._objection_handled(item, sec)

    def _objection_handled(self, item: DisclosureItem, sec: User) -> None:
        """A 公示 that received an objection, had it answered, ended by itself and shows
        the organization's conclusion."""
        from feedback import services as feedback_services

        item.refresh_from_db()
        objection = feedback_services.feedback_submit(
            organization=item.organization, item=item, objection=True,
            author=User.objects.get(username="member2"),
            body="反映该同志预备期内参加组织生活次数不足，请核实。")
        feedback_services.feedback_accept(feedback_id=objection.pk, actor=sec)
        feedback_services.feedback_reply(
            feedback_id=objection.pk, actor=sec,
            reply="经核查考勤记录，该同志预备期内参加组织生活22次，符合要求。")
        # Released two weeks ago, objected to on its second day: its period has passed,
        # the scheduler ends it and the organization concludes.
        released = timezone.now() - timedelta(days=14)
        until = min(services.display_end(item, timezone.localdate(released)),
                    timezone.localdate() - timedelta(days=1))
        DisclosureItem.objects.filter(pk=item.pk).update(
            internal_at=released - timedelta(days=1), public_at=released,
            display_until=until)
        type(objection).objects.filter(pk=objection.pk).update(
            received_at=released + timedelta(days=1))
        services.item_expire(item_id=item.pk)
        services.publicity_conclude(
            item_id=item.pk, actor=sec,
            conclusion="公示期间收到异议1件，经核查反映情况不属实，同意按期转正。",
            confidentiality_checked=True)
