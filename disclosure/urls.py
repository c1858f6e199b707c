from portal.routing import collect

from . import api, feeds
from .views import catalog_pages, changes, filings, items, ledger, requests, workplans

app_name = "disclosure"
urlpatterns = collect(items, changes, workplans, requests, filings, ledger, catalog_pages, api,
                      feeds)
