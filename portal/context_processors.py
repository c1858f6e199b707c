from django.conf import settings

from .roles import user_roles


def navigation(request):
    """Tell the base template which workplaces to link for the signed-in user."""
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None and user.is_authenticated else {}
    return {"nav_roles": roles, "portal_name": settings.PORTAL_NAME}
