"""The one write path of the feedback app, one module per workflow: feedback and its
handling, rectification orders, and evaluation campaigns."""

from . import commitments, evaluation, feedback, rectification, supervision
from .commitments import *  # noqa: F403
from .evaluation import *  # noqa: F403 - the package is the app's one write path
from .feedback import *  # noqa: F403
from .rectification import *  # noqa: F403
from .supervision import *  # noqa: F403

__all__ = [*commitments.__all__, *evaluation.__all__, *feedback.__all__, *rectification.__all__,
           *supervision.__all__]
