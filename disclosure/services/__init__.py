"""The one write path of the disclosure app, one module per workflow: items (and the result
of their 公示), filings, applications for disclosure, change requests and work plans. Every
function here is a ``<noun>_<verb>`` service; views, tasks and the admin call nothing else
to write."""

from . import catalog_plans, changes, filings, items, ledger, publicity, requests, workplans
from .catalog_plans import *  # noqa: F403 - the package is the app's one write path
from .changes import *  # noqa: F403
from .filings import *  # noqa: F403
from .items import *  # noqa: F403
from .ledger import *  # noqa: F403
from .publicity import *  # noqa: F403
from .requests import *  # noqa: F403
from .workplans import *  # noqa: F403

__all__ = [*catalog_plans.__all__, *changes.__all__, *filings.__all__, *items.__all__,
           *ledger.__all__, *publicity.__all__, *requests.__all__, *workplans.__all__]
