"""Routes of the partner API (`/api/v1/`): each app registers its resources on one router."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import APIRootView, DefaultRouter

from directory import api as directory_api
from directory.admin import ADMIN_ACTORS_CSV
from directory.api.actors import ACTOR_CSV
from directory.api.cooperations import COOPERATION_CSV
from directory.api.deals import DEAL_CSV
from directory.views import DIRECTORY_EXPORT
from ess_portal.api.errors import not_found
from ess_portal.api.formats import table_schema
from ess_portal.api.schema import SchemaView
from ess_portal.api.throttling import AnonThrottle, TokenThrottle
from observatory import api as observatory_api
from projects import api as projects_api
from projects.admin import ADMIN_INITIATIVES_CSV, ADMIN_SITES_CSV
from purchasing import api as purchasing_api
from purchasing.views import SUPPLIER_SHORTLIST


class ApiRootView(APIRootView):
    """The list of resources: public."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, TokenThrottle]


class ApiRootRouter(DefaultRouter):
    include_format_suffixes = False
    APIRootView = ApiRootView


# The schema and its documentation are public, as every read of the API.
PUBLIC = {"authentication_classes": [], "permission_classes": [AllowAny], "throttle_classes": [AnonThrottle]}


# Every CSV file of the portal, by the name of its Table Schema (`/api/v1/schemas/<name>.json`).
CSV_TABLES = {
    table.name: table
    for table in (
        ACTOR_CSV,
        COOPERATION_CSV,
        projects_api.SITE_CSV,
        projects_api.CONSULTATION_CSV,
        DEAL_CSV,
        projects_api.EVENT_CSV,
        DIRECTORY_EXPORT,
        ADMIN_ACTORS_CSV,
        ADMIN_INITIATIVES_CSV,
        ADMIN_SITES_CSV,
        observatory_api.FIGURES_CSV,
        purchasing_api.SUPPLIER_OFFER_CSV,
        SUPPLIER_SHORTLIST,
    )
}

router = ApiRootRouter()
directory_api.register(router)
projects_api.register(router)
observatory_api.register(router)
purchasing_api.register(router)

urlpatterns = [
    path("schema/", SchemaView.as_view(**PUBLIC), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", **PUBLIC), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema", **PUBLIC), name="api-redoc"),
    path("schemas/<slug:name>.json", table_schema, {"tables": CSV_TABLES}, name="csv-table-schema"),
    path("", include(router.urls)),
    # Any other address, newlines included: the API's JSON 404.
    re_path(r"^[\s\S]*$", not_found),
]
