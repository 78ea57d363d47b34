"""The moderation queue's counts, for the admin index."""

from django import template
from django.utils.translation import gettext_lazy as _

from directory import moderation
from directory.models import ChangeRequest

register = template.Library()


@register.inclusion_tag("admin/moderation/index_module.html", takes_context=True)
def moderation_module(context):
    request = context["request"]
    if not request.user.has_perm("directory.moderate_changerequest"):
        return {"show": False}
    counts = moderation.pending_counts()
    rows = [(label, counts[value], value) for value, label in ChangeRequest.Kind.choices]
    rows.append((_("revendications à examiner"), counts["claim"], "claim"))
    rows += [(source.label, counts[source.kind], source.kind) for source in moderation.QUEUE_SOURCES.values()]
    return {"show": True, "rows": rows, "total": sum(counts.values())}
