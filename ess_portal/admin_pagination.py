"""A paginator for the admin's big changelists: its count is kept per data version.

Django's changelist counts its filtered rows on every page; at national scale that count is the
slowest query of the page. `counted` keeps it for the data version and the SQL (what is filtered
is in the SQL), so paging through a list or coming back to it counts once, and any write counts
again at once.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from ess_portal.response_cache import counted


class KeptCountPaginator(Paginator):
    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, request=None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.request = request

    @cached_property
    def count(self) -> int:
        return counted(self.object_list, self.request)


class KeptCountAdminMixin:
    """A ModelAdmin whose changelist counts once per data version, and never counts the whole table again.

    `show_full_result_count = False`: a filtered list says « N résultats » without « sur M », which
    would be a second count over the whole table.
    """

    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return KeptCountPaginator(queryset, per_page, orphans, allow_empty_first_page, request=request)
