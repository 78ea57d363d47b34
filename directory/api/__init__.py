"""The directory's partner API: actors, support offers, reference data, the data·inclusion exports and
the change requests partners' tokens made.

Each module holds one resource's serializers and viewsets; `register` puts them on the API's
router (`ess_portal.api_urls`).
"""

from directory.api import actors, change_requests, cooperations, data_inclusion, deals, reference, support


def register(router) -> None:
    router.register("actors", actors.ActorViewSet, basename="actor")
    router.register("sectors", reference.SectorViewSet, basename="sector")
    router.register("communes", reference.CommuneViewSet, basename="commune")
    router.register("neighbourhoods", reference.NeighbourhoodViewSet, basename="neighbourhood")
    router.register("support-offers", support.SupportOfferViewSet, basename="support-offer")
    router.register("cooperations", cooperations.CooperationViewSet, basename="cooperation")
    router.register("deals", deals.DealViewSet, basename="deal")
    router.register("change-requests", change_requests.ChangeRequestViewSet, basename="change-request")
    router.register(
        "exports/data-inclusion/structures",
        data_inclusion.DataInclusionStructureViewSet,
        basename="data-inclusion-structure",
    )
    router.register(
        "exports/data-inclusion/services", data_inclusion.DataInclusionServiceViewSet, basename="data-inclusion-service"
    )
