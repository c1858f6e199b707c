from django.core.exceptions import PermissionDenied


class TransitionError(Exception):
    """A transition the item's state or rules do not allow; nothing was changed."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


__all__ = ["PermissionDenied", "TransitionError"]
