"""Routes of the partner API (`/api/v1/`): each app registers its resources on one router."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from directory import api as directory_api
from ess_portal.api.errors import not_found
from projects import api as projects_api


class ApiRootRouter(DefaultRouter):
    include_format_suffixes = False


router = ApiRootRouter()
directory_api.register(router)
projects_api.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include(router.urls)),
    re_path(r"^.*$", not_found),
]
