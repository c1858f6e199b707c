"""The system account that authors changes made by scheduled tasks."""

from .models import User

SYSTEM_USERNAME = "system"


def system_user() -> User:
    user, _ = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_system": True, "is_active": False, "full_name": "系统"},
    )
    return user
