import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import admin_i18n, grants, imports
from .admin_base import HistoryAdmin as SimpleHistoryAdmin
from .admin_base import KeyAutocomplete
from .holidays import calendar_gap, missing_year_message
from .models import (
    CalendarDay,
    Membership,
    Organization,
    Reminder,
    Role,
    RoleGrant,
    RolloutDate,
    StaffGrant,
    User,
)
from .workflow import TransitionError, workflow_of

admin_i18n.install()


class PermissionLabels:
    """Permission pickers that say each permission in the reader's language."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = admin_i18n.permission_label
        return field


class MembershipForm(forms.ModelForm):
    """A membership as the admin edits it. Nobody gives themselves a role; a privileged
    role (``grants.PRIVILEGED_ROLES``) is asked for as a role grant, and an existing
    privileged membership can here only be ended (an earlier ``until``)."""

    actor: User | None = None  # set by the admin for the request's user

    class Meta:
        model = Membership
        fields = ["user", "organization", "role", "since", "until"]

    def clean(self):
        data = super().clean()
        user = data.get("user") or getattr(self.instance, "user", None)
        if self.actor is not None and user is not None and user.pk == self.actor.pk and (
                self.has_changed() or self.instance.pk is None):
            raise ValidationError(grants.self_grant_error())
        if self.instance.pk is not None and self.has_changed():
            self._check_privileged_change(data)
        return data

    def _check_privileged_change(self, data) -> None:
        # Compared with the stored row, not ``changed_data``: a field with a callable
        # default counts as changed whenever its hidden initial value is not posted.
        was = Membership.objects.get(pk=self.instance.pk)
        if not (grants.is_privileged(was.role)
                or grants.is_privileged(data.get("role", was.role))):
            return
        others = [name for name in ("user", "organization", "role", "since")
                  if name in data and data[name] != getattr(was, name)]
        until = data.get("until", was.until)
        ends_sooner = until is not None and (was.until is None or until < was.until)
        if others or (until != was.until and not ends_sooner):
            raise ValidationError(_(
                "Supervisor and reviewer roles are given only through an approved role "
                "grant; here such a membership can only be ended."))


def membership_form(actor) -> type[MembershipForm]:
    return type("MembershipForm", (MembershipForm,), {"actor": actor})


class MembershipInline(KeyAutocomplete, admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "since", "until"]

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = membership_form(request.user)
        return super().get_formset(request, obj, **kwargs)


class NoPasswordCreationForm(forms.ModelForm):
    """A new account made by staff who are no superusers: it gets no password (the person
    sets one through a superuser, or signs in otherwise); nobody but superusers knows or
    sets another person's password."""

    class Meta:
        model = User
        fields = ["username"]

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(PermissionLabels, BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "full_name", "email", "is_staff", "is_active"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = [
        *(BaseUserAdmin.fieldsets or ()),
        (_("Portal"), {"fields": ["full_name", "phone", "language", "is_system"]}),
    ]
    # Only superusers hand out site-wide powers; everyone else gets roles via memberships.
    PRIVILEGED = ("is_superuser", "is_staff", "groups", "user_permissions", "is_system")

    def has_change_permission(self, request, obj=None) -> bool:
        """Only superusers touch superuser and system accounts (passwords included)."""
        if obj is not None and (obj.is_superuser or obj.is_system) and not (
                request.user.is_superuser):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and (obj.is_superuser or obj.is_system) and not (
                request.user.is_superuser):
            return False
        return super().has_delete_permission(request, obj)

    audited = True

    # Site rights are given by a staff grant with four eyes (``StaffGrant``), even by
    # superusers; here they are only shown, and taken away with the list's actions.
    SITE_RIGHTS = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += [name for name in self.SITE_RIGHTS if name not in fields]
        if not request.user.is_superuser:
            fields += [name for name in self.PRIVILEGED if name not in fields]
            # A password reset goes to the account's e-mail address: whoever changes another
            # person's address could take over the account, so that is a superuser's act too.
            if obj is not None and obj.pk != request.user.pk and "email" not in fields:
                fields.append("email")
        return fields

    def get_fieldsets(self, request, obj=None):
        if obj is None and not request.user.is_superuser:
            return [(None, {"fields": ["username"]})]
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and not request.user.is_superuser:
            kwargs["form"] = NoPasswordCreationForm
        return super().get_form(request, obj, **kwargs)

    actions = ["revoke_site_rights", "revoke_superuser"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("revoke_site_rights", None)
            actions.pop("revoke_superuser", None)
        return actions

    @admin.action(description=_("Take away staff rights, groups and superuser"))
    def revoke_site_rights(self, request, queryset, superuser_only=False):
        for user in queryset:
            try:
                changed = grants.revoke_site_rights(user=user, actor=request.user,
                                                    superuser_only=superuser_only)
            except ValidationError as refused:
                messages.error(request, " ".join(refused.messages))
            else:
                if changed:
                    messages.success(request, gettext("Rights of %(user)s updated.") % {
                        "user": user})

    @admin.action(description=_("Take away superuser rights"))
    def revoke_superuser(self, request, queryset):
        self.revoke_site_rights(request, queryset, superuser_only=True)

    def user_change_password(self, request, id, form_url=""):
        """Only superusers set another person's password; everyone may set their own."""
        if not request.user.is_superuser and str(request.user.pk) != unquote(id):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to import"), choices=[
        ("organizations", _("Organizations: code, name, type, parent code (level optional)")),
        ("members", _("Members: username, name, organization code, role (e-mail optional)")),
    ], widget=forms.RadioSelect)
    file = forms.FileField(label=_("CSV or Excel file"))


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    change_list_template = "admin/portal/organization/change_list.html"
    list_display = ["indented_name", "code", "level", "kind", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]
    audited = True

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: Organization) -> str:
        return "— " * obj.depth + obj.name

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="portal_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload organizations or members; all rows are checked before any is applied."""
        may = {"organizations": request.user.has_perm("portal.add_organization"),
               "members": request.user.has_perm("portal.add_membership")}
        if not any(may.values()):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            kind = form.cleaned_data["kind"]
            if not may[kind]:
                raise PermissionDenied
            run = imports.import_organizations if kind == "organizations" else (
                imports.import_members)
            try:
                result = run(form.cleaned_data["file"], actor=request.user)
            except imports.ImportFileError as error:
                form.add_error("file", str(error))
            else:
                if result.applied:
                    messages.success(request, _(
                        "Imported: %(created)s created, %(updated)s updated, "
                        "%(unchanged)s unchanged.") % vars(result))
                    if result.pending:
                        messages.warning(request, _(
                            "%(pending)s supervisor or reviewer roles wait for another "
                            "administrator's approval under Role grants.") % vars(result))
        context = {**self.admin_site.each_context(request), "form": form, "result": result,
                   "title": _("Import organizations and members"),
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/portal/import.html", context)


    def save_formset(self, request, form, formset, change) -> None:
        """Save the membership inline; a new supervisor or reviewer becomes a pending
        role grant instead of a membership (and the change message says so)."""
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        asked = request._asked_grants = []
        for obj in formset.save(commit=False):
            if obj.pk is None and grants.is_privileged(obj.role):
                formset.new_objects.remove(obj)
                if (grant := _request_grant(request, obj)) is not None:
                    asked.append(grant)
                continue
            obj._history_user = request.user
            obj.save()
        for obj in formset.deleted_objects:
            obj._history_user = request.user
            obj.delete()


    def construct_change_message(self, request, form, formsets, add=False):
        """Django's message, and a sentence for each role grant asked for in the inline
        (no membership was added: the grant waits for approval)."""
        message = super().construct_change_message(request, form, formsets, add)
        asked = getattr(request, "_asked_grants", [])
        if not asked:
            return message
        details = LogEntry(change_message=json.dumps(message)).get_change_message() if (
            message) else ""
        sentences = [gettext("Role grant asked for: “%(grant)s”, waiting for approval.")
                     % {"grant": grant} for grant in asked]
        return " ".join([details, *sentences]).strip()


def _request_grant(request, membership: Membership) -> RoleGrant | None:
    """Ask for the privileged role of an unsaved membership, and say so."""
    try:
        grant = grants.grant_request(
            user=membership.user, organization=membership.organization,
            role=membership.role, since=membership.since, until=membership.until,
            actor=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return None
    messages.warning(request, gettext(
        "%(grant)s waits for another administrator's approval; the role is given only "
        "then.") % {"grant": grant})
    return grant


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    """Ordinary roles take effect at once; supervisor and reviewer roles asked for here
    become pending role grants."""

    list_display = ["user", "organization", "role", "since", "until"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]
    form = MembershipForm
    audited = True

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = membership_form(request.user)
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if not change and grants.is_privileged(obj.role):
            obj._grant = _request_grant(request, obj)
            return
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        if obj.pk is None:  # asked for as a role grant, which records its own event
            return None
        return super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            grant = getattr(obj, "_grant", None)
            if grant is None:
                return redirect("admin:portal_membership_add")
            return redirect("admin:portal_rolegrant_change", grant.pk)
        return super().response_add(request, obj, post_url_continue)


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "organization", "role", "since", "until", "reason"]
        widgets = {"role": forms.Select(choices=[
            (role, label) for role, label in Role.choices if grants.is_privileged(role)])}


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(RoleGrant)
class RoleGrantAdmin(SimpleHistoryAdmin):
    """Privileged roles with four eyes: one person asks, another approves or refuses."""

    form = RoleGrantForm
    list_display = ["user", "organization", "role", "state", "requested_by", "requested_at",
                    "decided_by"]
    list_filter = ["state", "role"]
    search_fields = ["user__username", "user__full_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization", "requested_by", "decided_by"]
    change_form_template = "admin/portal/rolegrant/change_form.html"
    audited = True

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a grant changes only by being decided

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # The form checked the request (``grants.check_request``); a race with another
        # request for the same grant is told as a message.
        try:
            created = grants.grant_request(
                user=obj.user, organization=obj.organization, role=obj.role,
                since=obj.since, until=obj.until, reason=obj.reason, actor=request.user)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            return
        obj.pk = created.pk

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        actor = request.user

        def clean(self):
            data = forms.ModelForm.clean(self)
            user, org, role = data.get("user"), data.get("organization"), data.get("role")
            if user is not None and user.pk == actor.pk:
                raise ValidationError(grants.self_grant_error())
            if user is not None and org is not None and role:
                grants.check_request(user=user, organization=org, role=role, actor=actor)
            return data

        return type("RoleGrantForm", (form,), {"clean": clean})

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_add")
        return super().response_add(request, obj, post_url_continue)

    def log_addition(self, request, obj, message):
        if obj.pk is None:
            return None
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        grant = self.get_object(request, unquote(object_id))
        if grant is not None and request.method == "POST" and "_decide" in request.POST:
            return self.decide(request, grant)
        waiting = grant is not None and workflow_of(grant).state_allows(grant, "approve")
        extra_context = {**(extra_context or {}), "decision_form": DecisionForm(),
                         "waiting": waiting,
                         "may_decide": waiting and self.may_decide(request.user, grant)}
        return super().change_view(request, object_id, form_url, extra_context)

    def may_decide(self, user, grant) -> bool:
        return grants.may_decide(user, grant)

    def take_decision(self, request, grant, approve: bool, comment: str) -> None:
        grants.grant_decide(grant_id=grant.pk, actor=request.user, approve=approve,
                            comment=comment)

    def decide(self, request, grant):
        form = DecisionForm(request.POST)
        comment = form.cleaned_data["comment"] if form.is_valid() else ""
        try:
            self.take_decision(request, grant, request.POST["_decide"] == "approve", comment)
        except TransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, gettext("Decided: %(grant)s.") % {"grant": grant})
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", grant.pk)


class StaffGrantForm(forms.ModelForm):
    class Meta:
        model = StaffGrant
        fields = ["user", "right", "group", "reason"]


@admin.register(StaffGrant)
class StaffGrantAdmin(RoleGrantAdmin):
    """Site rights with four eyes, between superusers: one asks, another approves."""

    form = StaffGrantForm  # type: ignore[assignment]
    list_display = ["user", "right", "group", "state", "requested_by", "requested_at",
                    "decided_by"]
    list_filter = ["state", "right"]
    search_fields = ["user__username", "user__full_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "group", "requested_by", "decided_by"]

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def save_model(self, request, obj, form, change) -> None:
        try:
            created = grants.staff_request(user=obj.user, right=obj.right, group=obj.group,
                                           reason=obj.reason, actor=request.user)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            return
        obj.pk = created.pk

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = admin.ModelAdmin.get_form(self, request, obj, change=change, **kwargs)
        actor = request.user

        def clean(self):
            data = forms.ModelForm.clean(self)
            if (user := data.get("user")) is not None and data.get("right"):
                grants.check_staff_request(user=user, right=data["right"],
                                           group=data.get("group"), actor=actor)
            return data

        return type("StaffGrantForm", (form,), {"clean": clean})

    def log_addition(self, request, obj, message):
        # The request is its own ``admin.request`` event; only Django's log entry here.
        if obj.pk is None:
            return None
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def may_decide(self, user, grant) -> bool:
        return grants.may_decide_staff(user, grant)

    def take_decision(self, request, grant, approve: bool, comment: str) -> None:
        grants.staff_decide(grant_id=grant.pk, actor=request.user, approve=approve,
                            comment=comment)


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    """The national schedule is loaded from the chinesecalendar package (``load_holidays``);
    a day saved here counts as corrected and no reload changes or removes it."""

    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "date"
    search_fields = ["name"]
    readonly_fields = ["source"]

    def save_model(self, request, obj, form, change) -> None:
        obj.source = CalendarDay.Source.ADMIN
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        if (year := calendar_gap()) is not None:
            messages.warning(request, missing_year_message(year))
        return super().changelist_view(request, extra_context)


@admin.register(RolloutDate)
class RolloutDateAdmin(SimpleHistoryAdmin):
    list_display = ["issuer", "kind", "start_by", "note"]
    list_filter = ["kind"]
    list_select_related = ["issuer"]
    autocomplete_fields = ["issuer"]
    search_fields = ["issuer__name", "issuer__code"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["source", "target_id", "stage", "due_date", "sent_at", "recipients"]
    list_filter = ["source", "stage"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Role groups carry the roles' object permissions: whoever edits a group edits every
# holder's rights at once, around the four eyes of role grants. Only superusers touch them.
admin.site.unregister(Group)


@admin.register(Group)
class SuperuserOnlyGroupAdmin(PermissionLabels, GroupAdmin):  # type: ignore[misc]
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser
