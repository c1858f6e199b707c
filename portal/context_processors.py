from django.conf import settings

from .notifications import unread_count
from .roles import user_roles


def navigation(request):
    """Tell the base template which workplaces to link for the signed-in user."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "nav_roles": user_roles(user) if signed_in else {},
        "unread_notifications": unread_count(user) if signed_in else 0,
        "todo_count": _todo_count(user) if signed_in else 0,
        "portal_name": settings.PORTAL_NAME,
    }


def _todo_count(user) -> int:
    from .todo import count  # the top layer of portal, which reads the other apps

    return count(user)
