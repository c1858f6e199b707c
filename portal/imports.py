"""Bulk import of organizations and members from CSV or Excel.

Every row is checked first; the import applies all rows or none, and reports each bad row
with its line number. Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import admin_log, grants
from .models import Membership, Organization, Role, RoleGrant, User

ORG_COLUMNS = {
    "code": {"code", "编码", "组织编码"},
    "name": {"name", "名称", "组织名称"},
    "type": {"type", "kind", "类型", "组织类型"},
    "parent": {"parent", "parent_code", "parent code", "上级编码", "上级组织编码"},
    "level": {"level", "层级"},
}
MEMBER_COLUMNS = {
    "username": {"username", "用户名", "账号"},
    "name": {"name", "full_name", "姓名"},
    "organization": {"organization", "organization_code", "organization code", "组织编码"},
    "role": {"role", "角色"},
    "email": {"email", "邮箱", "电子邮箱"},
}
CHINESE_KINDS = {"机关": "agency", "社区": "community", "村": "village", "学校": "school",
                 "事业单位": "institution", "非公有制经济组织": "enterprise",
                 "社会组织": "social"}
CHINESE_LEVELS = {"党委": "committee", "党工委": "committee", "党总支": "general_branch",
                  "党支部": "branch"}
CHINESE_ROLES = {"书记": "secretary", "支部书记": "secretary", "支委委员": "committee",
                 "委员": "committee", "审核人": "reviewer", "党员": "member",
                 "监督员": "supervisor", "监督小组": "supervisor"}
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
MAX_ROWS = 20_000


class ImportFileError(Exception):
    """The file cannot be read at all (format, encoding, header)."""


@dataclass
class ImportResult:
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    pending: int = 0  # privileged roles asked for as role grants (members import)
    applied: bool = False

    def error(self, line: int, message: str) -> None:
        self.errors.append((line, message))


def read_rows(upload, columns: dict[str, set[str]]) -> list[tuple[int, dict[str, str]]]:
    """Return (line number, row) pairs from a CSV or XLSX upload, keyed by column name."""
    name = (upload.name or "").lower()
    if name.endswith(".xlsx"):
        table = _xlsx_rows(upload)
    elif name.endswith(".csv"):
        table = _csv_rows(upload)
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    if not table:
        raise ImportFileError(_("The file is empty."))
    header = [str(cell or "").strip().lower() for cell in table[0]]
    positions = {}
    for key, aliases in columns.items():
        for index, title in enumerate(header):
            if title in aliases:
                positions[key] = index
    required = [key for key in columns if key not in ("level", "email", "parent")]
    missing = [key for key in required if key not in positions]
    if missing:
        names = [next(a for a in sorted(columns[k]) if not a.isascii()) + f" ({k})"
                 for k in missing]
        raise ImportFileError(_("Missing columns: %(columns)s.") % {"columns": "、".join(names)})
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(_("At most %(n)s rows at a time.") % {"n": MAX_ROWS})
    rows = []
    for line, values in enumerate(table[1:], start=2):
        cells = [str(v).strip() if v is not None else "" for v in values]
        if not any(cells):
            continue
        rows.append((line, {key: cells[i] if i < len(cells) else ""
                            for key, i in positions.items()}))
    return rows


def _csv_rows(upload) -> list[list[str]]:
    data = upload.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text."))
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(upload) -> list[list]:
    from django.core.exceptions import ValidationError
    from openpyxl import load_workbook

    from .ooxml import check_package

    try:
        check_package(upload, ".xlsx", size=upload.size)  # entries, real sizes, macros
    except ValidationError as error:
        raise ImportFileError(" ".join(error.messages)) from error
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any broken workbook is the user's file
        raise ImportFileError(_("The Excel file cannot be read.")) from error
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _kind(value: str) -> str | None:
    value = value.strip()
    if value in Organization.Kind.values:
        return value
    return CHINESE_KINDS.get(value)


def _level(value: str, name: str, has_parent: bool) -> str | None:
    if value:
        return value if value in Organization.Level.values else CHINESE_LEVELS.get(value)
    for suffix, level in CHINESE_LEVELS.items():
        if name.endswith(suffix):
            return level
    return "branch" if has_parent else "committee"


def import_organizations(upload, *, actor: User) -> ImportResult:
    result = ImportResult()
    rows = read_rows(upload, ORG_COLUMNS)
    existing = {o.code: o for o in Organization.objects.all()}
    in_file: dict[str, int] = {}
    parsed = []
    for line, row in rows:
        code, name = row["code"], row["name"]
        parent = row.get("parent", "")
        if not code or len(code) > 32:
            result.error(line, _("The code is missing or longer than 32 characters."))
            continue
        if code in in_file:
            result.error(line, _("Code %(code)s already appears on line %(line)s.") % {
                "code": code, "line": in_file[code]})
            continue
        in_file[code] = line
        if not name or len(name) > 120:
            result.error(line, _("The name is missing or longer than 120 characters."))
        kind = _kind(row["type"])
        if kind is None:
            result.error(line, _("Unknown organization type “%(value)s”.") % {
                "value": row["type"]})
        level = _level(row.get("level", ""), name, bool(parent))
        if level is None:
            result.error(line, _("Unknown level “%(value)s”.") % {"value": row["level"]})
        parsed.append((line, code, name, kind, level, parent))
    for line, code, *_fields, parent in parsed:
        if parent and parent not in in_file and parent not in existing:
            result.error(line, _("Parent organization %(code)s does not exist.") % {
                "code": parent})
        if parent == code:
            result.error(line, _("An organization cannot be its own parent."))
    if _has_cycle({code: parent for _l, code, _n, _k, _v, parent in parsed}, existing):
        result.error(0, _("The parent codes form a cycle."))
    elif not result.errors:
        _check_depth(result, parsed, existing)
    if result.errors:
        result.errors.sort()
        return result
    with transaction.atomic():
        pending = list(parsed)
        while pending:
            ready = [p for p in pending if not p[5] or p[5] in existing]
            if not ready:  # cannot happen after validation; never loop forever
                raise ImportFileError(_("The parent codes form a cycle."))
            for _line, code, name, kind, level, parent in ready:
                _apply_org(result, existing, code, name, kind, level, parent, actor)
            pending = [p for p in pending if p not in ready]
    result.applied = True
    return result


def _has_cycle(parents: dict[str, str], existing: dict[str, Organization]) -> bool:
    def parent_of(code: str) -> str:
        if code in parents:
            return parents[code]
        org = existing.get(code)
        if org is None or org.parent is None:
            return ""
        return org.parent.code

    for start in parents:
        seen, code = set(), start
        while code:
            if code in seen:
                return True
            seen.add(code)
            code = parent_of(code)
    return False


def _check_depth(result: ImportResult, parsed: list, existing: dict[str, Organization]) -> None:
    """Report each row whose organization, or an organization already below it, would sit
    deeper in the tree than the organization paths allow (see ``portal.org_depth``)."""
    from .org_depth import max_levels, too_deep_message

    by_pk = {org.pk: code for code, org in existing.items()}
    parents = {code: by_pk.get(org.parent_id or 0, "") for code, org in existing.items()}
    lines = {}
    for line, code, name, *_fields, parent in parsed:
        parents[code] = parent
        lines[code] = (line, name)
    levels: dict[str, int] = {}
    for start in parents:  # iteratively: a deep tree must not exhaust the stack
        chain, code = [], start
        while code and code not in levels:
            chain.append(code)
            code = parents.get(code, "")
        level = levels.get(code, 0)
        for code in reversed(chain):
            level += 1
            levels[code] = level
    limit = max_levels()
    reported: set[str] = set()
    for code in sorted(parents, key=lambda c: -levels[c]):
        if levels[code] <= limit:
            break
        # Blame the row nearest above (or at) the organization that is too deep.
        row, walk = None, code
        while walk and row is None:
            row, walk = (walk if walk in lines else None), parents.get(walk, "")
        if row is None or row in reported:
            continue
        reported.add(row)
        line, name = lines[row]
        named = name if row == code else existing[code].name
        result.error(line, too_deep_message(named, levels[code]))


def _apply_org(result, existing, code, name, kind, level, parent_code, actor) -> None:
    parent = existing.get(parent_code) if parent_code else None
    org = existing.get(code)
    if org is None:
        org = Organization(code=code, name=name, kind=kind, level=level, parent=parent)
        org._history_user = actor  # type: ignore[attr-defined]
        org.save()
        admin_log.record(org, actor, "added", IMPORTED)
        existing[code] = org
        result.created += 1
        return
    changes = {"name": name, "kind": kind, "level": level, "parent": parent}
    if all(getattr(org, key) == value for key, value in changes.items()):
        result.unchanged += 1
        return
    changed = [key for key, value in changes.items() if getattr(org, key) != value]
    for key, value in changes.items():
        setattr(org, key, value)
    org._history_user = actor  # type: ignore[attr-defined]
    org.save()
    admin_log.record(org, actor, "changed", _changed_fields(changed))
    result.updated += 1


def _role(value: str) -> str | None:
    value = value.strip()
    return value if value in Role.values else CHINESE_ROLES.get(value)


IMPORTED = "Import"


def import_members(upload, *, actor: User) -> ImportResult:
    result = ImportResult()
    rows = read_rows(upload, MEMBER_COLUMNS)
    orgs = {o.code: o for o in Organization.objects.filter(is_active=True)}
    seen: dict[tuple[str, str, str], int] = {}
    parsed = []
    for line, row in rows:
        username, org_code = row["username"], row["organization"]
        role = _role(row["role"])
        if not USERNAME.match(username):
            result.error(line, _("The user name is missing or has characters other than "
                                 "letters, digits and @ . + - _."))
        if org_code not in orgs:
            result.error(line, _("Organization %(code)s does not exist.") % {"code": org_code})
        if role is None:
            result.error(line, _("Unknown role “%(value)s”.") % {"value": row["role"]})
        email = row.get("email", "")
        if email and "@" not in email:
            result.error(line, _("“%(value)s” is not an e-mail address.") % {"value": email})
        if username == actor.username:
            result.error(line, grants.self_grant_error())
        # A password reset goes to the account's address: only a superuser changes the
        # address of an existing account (as in the user admin).
        if email and not actor.is_superuser and User.objects.filter(
                username=username).exclude(email__iexact=email).exists():
            result.error(line, _("The e-mail address of the existing account %(user)s "
                                 "can only be changed by a superuser.") % {"user": username})
        if User.objects.filter(username=username).filter(
                models.Q(is_superuser=True) | models.Q(is_staff=True)
                | models.Q(is_system=True)).exists():
            result.error(line, _("%(user)s is an administrator account; change it in the "
                                 "user admin, not by import.") % {"user": username})
        key = (username, org_code, role or "")
        if key in seen:
            result.error(line, _("The same membership appears on line %(line)s.") % {
                "line": seen[key]})
        seen[key] = line
        parsed.append((username, row["name"][:80], orgs.get(org_code), role or "", email))
    if result.errors:
        result.errors.sort()
        return result
    today = timezone.localdate()
    with transaction.atomic():
        for username, name, org, role, email in parsed:
            changed = _apply_user(result, username, name, email, actor)
            user = User.objects.get(username=username)
            active = Membership.objects.active(today).filter(
                user=user, organization=org, role=role).exists()
            if not active and grants.is_privileged(role):
                _request_grant(result, user, org, role, actor)
            elif not active:
                membership = Membership(user=user, organization=org, role=role, since=today)
                membership._history_user = actor  # type: ignore[attr-defined]
                membership.save()
                admin_log.record(membership, actor, "added", IMPORTED)
                changed = changed or True  # a new user stays "created"
            result.created += int(changed == "created")
            result.updated += int(changed is True)
            result.unchanged += int(changed is False)
    result.applied = True
    return result


def _request_grant(result, user, org, role, actor) -> None:
    """Ask for a supervisor or reviewer role as a role grant, once: it is given only when
    another administrator approves."""
    if RoleGrant.objects.filter(user=user, organization=org, role=role,
                                state=RoleGrant.State.PENDING).exists():
        return
    grants.grant_request(user=user, organization=org, role=role, actor=actor,
                         reason=_("Members import"))
    result.pending += 1


def _apply_user(result, username, name, email, actor):
    """Create or update the user; return "created", True (updated) or False."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=name, email=email)
        user.set_unusable_password()
        user._history_user = actor  # type: ignore[attr-defined]
        user.save()
        admin_log.record(user, actor, "added", IMPORTED)
        return "created"
    changes = {"full_name": name or user.full_name, "email": email or user.email}
    changed = [key for key, value in changes.items() if getattr(user, key) != value]
    if not changed:
        return False
    for key, value in changes.items():
        setattr(user, key, value)
    user._history_user = actor  # type: ignore[attr-defined]
    user.save()
    admin_log.record(user, actor, "changed", _changed_fields(changed))
    return True


def _changed_fields(names: list[str]) -> str:
    return f"{IMPORTED}: {', '.join(names)}"
