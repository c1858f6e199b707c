"""The admin in the reader's language, where Django and the packages it shows fall short.

Django's admin writes the alt text of its yes/no icons as the Python literal ("True"), and
Django 5.2's Chinese catalog lacks a few newer admin messages; django-axes and
django-simple-history have no Chinese catalog; permission names are stored in English when
they are created. The portal's catalog translates the messages named here (makemessages
keeps them because they are named), and the functions below give the rest their words.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

THIRD_PARTY_MESSAGES = [
    # Django's admin (index and user pages)
    gettext_noop("Model name"), gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # django-simple-history's history list
    gettext_noop("Changes"), gettext_noop("None"),
    # models named after their class
    gettext_noop("archived file"), gettext_noop("report file"), gettext_noop("role group"),
    gettext_noop("group object permission"), gettext_noop("user object permission"),
    gettext_noop("disclosure item group object permission"),
    gettext_noop("disclosure item user object permission"),
    gettext_noop("organization group object permission"),
    gettext_noop("organization user object permission"),
    # reasons services give for a history row
    gettext_noop("supervision group seat"), gettext_noop("supervision group seat ended"),
    gettext_noop("elected"), gettext_noop("rectification ordered"),
    # django-axes' models and admin
    gettext_noop("User Agent"), gettext_noop("IP Address"), gettext_noop("Username"),
    gettext_noop("HTTP Accept"), gettext_noop("Path"), gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"), gettext_noop("access failure"),
    gettext_noop("access failures"), gettext_noop("GET Data"), gettext_noop("POST Data"),
    gettext_noop("Failed Logins"), gettext_noop("access attempt"),
    gettext_noop("access attempts"), gettext_noop("Access Attempt"), gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"), gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"), gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"), gettext_noop("access logs"), gettext_noop("Locked Out"),
    gettext_noop("Form Data"), gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"), gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
]

APP_NAMES = {"axes": _("Login attempts"), "guardian": _("Object permissions")}


def boolean_icon(field_val):
    """Django's yes/no icon with its alt text in the reader's language."""
    icon = {True: "yes", False: "no", None: "unknown"}[field_val]
    label = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), label)


DEFAULT_ACTIONS = {
    "add": _("Can add %(model)s"), "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"), "view": _("Can view %(model)s"),
}


def model_name(model) -> str:
    """A model's name for people, a history table named after the model it keeps."""
    base = getattr(model, "instance_type", None)
    if base is not None and base._meta.auto_created:  # the history of a many-to-many field
        owner = base._meta.auto_created
        field = next(f for f in owner._meta.many_to_many if f.remote_field.through is base)
        return gettext("history of %(model)s: %(field)s") % {
            "model": owner._meta.verbose_name, "field": field.verbose_name}
    if base is not None:
        return gettext("history of %(model)s") % {"model": base._meta.verbose_name}
    # Models without a verbose name of their own are named by the messages above.
    return gettext(str(model._meta.verbose_name))


def permission_label(permission) -> str:
    """Say a permission in the reader's language: app | model | right."""
    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    action, _sep, rest = permission.codename.partition("_")
    name = model_name(model)
    if action in DEFAULT_ACTIONS and rest == model._meta.model_name:
        right = DEFAULT_ACTIONS[action] % {"model": name}
    else:
        right = gettext(permission.name)
    return f"{apps.get_app_config(model._meta.app_label).verbose_name} | {name} | {right}"


def translate_axes_records() -> None:
    """django-axes names its records in English; say them in the reader's language."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessLog.__str__ = lambda self: gettext(  # type: ignore[method-assign]
        "Login of %(user)s at %(time)s") % {"user": self.username, "time": self.attempt_time}
    AccessAttempt.__str__ = lambda self: gettext(  # type: ignore[method-assign]
        "Failed logins at %(time)s") % {"time": self.attempt_time}
    AccessFailureLog.__str__ = lambda self: gettext(  # type: ignore[method-assign]
        "Failed login of %(user)s at %(time)s") % {"user": self.username,
                                                   "time": self.attempt_time}


def install() -> None:
    admin_list._boolean_icon = boolean_icon  # type: ignore[attr-defined] # every list, form
    for label, name in APP_NAMES.items():
        if apps.is_installed(label):
            apps.get_app_config(label).verbose_name = name
    translate_axes_records()
