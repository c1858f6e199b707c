"""Bulk import: all rows or none, every bad row named, re-import changes nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from portal import imports
from portal.models import Membership, Organization, User
from portal.roles import has_org_perm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def csv_file(text: str, name: str = "orgs.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "members.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True)


def many_orgs(n: int) -> str:
    lines = ["编码,名称,类型,上级编码", "X,新区党工委,机关,"]
    for g in range(n // 10):
        lines.append(f"X-{g},第{g}党总支,社区,X")
        lines += [f"X-{g}-{b},第{g}-{b}党支部,社区,X-{g}" for b in range(9)]
    return "\n".join(lines) + "\n"


def test_hundreds_of_organizations_in_one_file_then_reimport_changes_nothing(admin_user):
    text = many_orgs(300)
    result = imports.import_organizations(csv_file(text), actor=admin_user)
    assert result.applied and result.errors == []
    assert result.created == Organization.objects.count() == 301
    leaf = Organization.objects.get(code="X-3-4")
    assert (leaf.level, leaf.kind, leaf.parent.code) == ("branch", "community", "X-3")
    assert Organization.objects.get(code="X-3").level == "general_branch"
    assert leaf.history.first().history_user == admin_user
    again = imports.import_organizations(csv_file(text), actor=admin_user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 301)


def test_children_may_come_before_their_parents(admin_user):
    text = "code,name,type,parent\nA-1,甲党支部,school,A\nA,甲党委,school,\n"
    assert imports.import_organizations(csv_file(text), actor=admin_user).applied
    assert Organization.objects.get(code="A-1").parent.code == "A"


def test_bad_rows_are_all_named_and_nothing_is_applied(admin_user):
    text = ("编码,名称,类型,上级编码\n"
            "OK,正常党委,机关,\n"
            ",缺编码党支部,机关,OK\n"
            "T1,类型错误党支部,工厂,OK\n"
            "T2,上级不存在党支部,机关,NOPE\n"
            "OK,重复编码,机关,\n")
    result = imports.import_organizations(csv_file(text), actor=admin_user)
    assert not result.applied
    assert [line for line, _ in result.errors] == [3, 4, 5, 6]
    assert "工厂" in result.errors[1][1] and "NOPE" in result.errors[2][1]
    assert not Organization.objects.exists()


def test_cycle_is_refused(admin_user):
    text = "code,name,type,parent\nA,甲,school,B\nB,乙,school,A\n"
    result = imports.import_organizations(csv_file(text), actor=admin_user)
    assert not result.applied and not Organization.objects.exists()


def test_gb18030_csv_from_chinese_excel(admin_user):
    text = "编码,名称,类型,上级编码\nG1,国标编码党委,村,\n"
    result = imports.import_organizations(csv_file(text, encoding="gb18030"), actor=admin_user)
    assert result.applied and Organization.objects.get(code="G1").name == "国标编码党委"


def test_members_from_excel_gain_rights_at_once_and_reimport_changes_nothing(world,
                                                                              admin_user):
    rows = [["用户名", "姓名", "组织编码", "角色", "邮箱"],
            ["wangfang", "王芳", "B1", "党员", "wf@example.org"],
            ["wangfang", "王芳", "B2", "监督员", ""],
            ["lijun", "李军", "B2", "secretary", ""]]
    result = imports.import_members(xlsx_file(rows), actor=admin_user)
    assert result.applied and result.errors == []
    user = User.objects.get(username="wangfang")
    assert not user.has_usable_password()
    assert has_org_perm(user, "view_internal", world.branch)
    assert has_org_perm(User.objects.get(username="lijun"), "publish", world.other_branch)
    before = Membership.objects.count()
    again = imports.import_members(xlsx_file(rows), actor=admin_user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Membership.objects.count() == before


def test_member_import_counts_new_users_as_created_and_new_memberships_as_updated(
        world, admin_user):
    rows = [["username", "name", "organization", "role"],
            ["zhaolei", "赵磊", "B1", "member"],
            ["sunli", "孙丽", "B2", "member"],
            ["member", "", "B2", "secretary"]]
    result = imports.import_members(xlsx_file(rows), actor=admin_user)
    assert result.applied and result.errors == []
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    assert User.objects.filter(username__in=["zhaolei", "sunli"]).count() == 2


def test_bad_member_rows(world, admin_user):
    rows = [["username", "name", "organization", "role"],
            ["ok_user", "甲", "B1", "member"],
            ["bad name!", "乙", "B1", "member"],
            ["x", "丙", "NOPE", "member"],
            ["y", "丁", "B1", "chairman"]]
    result = imports.import_members(xlsx_file(rows), actor=admin_user)
    assert [line for line, _ in result.errors] == [3, 4, 5]
    assert not User.objects.filter(username="ok_user").exists()


def test_unreadable_files_are_refused_clearly(admin_user):
    with pytest.raises(imports.ImportFileError):
        imports.import_organizations(csv_file("a,b\n1,2\n"), actor=admin_user)
    with pytest.raises(imports.ImportFileError):
        imports.import_organizations(SimpleUploadedFile("x.xlsx", b"not excel"),
                                     actor=admin_user)
    with pytest.raises(imports.ImportFileError):
        imports.import_organizations(SimpleUploadedFile("x.txt", b"code"), actor=admin_user)


def test_import_page_for_catalog_admin(client, admin_user):
    admin_user.user_permissions.set(Permission.objects.filter(
        codename__in=["add_organization", "view_organization", "change_organization"]))
    client.force_login(admin_user)
    assert client.get("/admin/portal/organization/").status_code == 200
    page = client.post("/admin/portal/organization/import/", {
        "kind": "organizations", "file": csv_file("code,name,type,parent\nP,页面党委,school,\n"),
    })
    assert page.status_code == 200 and Organization.objects.filter(code="P").exists()
    page = client.post("/admin/portal/organization/import/", {
        "kind": "members", "file": csv_file("username,name,organization,role\nu,甲,P,member\n"),
    })
    assert page.status_code == 403


def test_import_page_refused_without_permission(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/portal/organization/import/").status_code == 403
