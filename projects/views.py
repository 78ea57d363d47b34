from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.html import format_html

from projects.models import Initiative


def initiative_detail(request, slug):
    """Placeholder until the public initiative page exists: the published initiative's title."""
    initiative = get_object_or_404(Initiative.objects.published(), slug=slug)
    return HttpResponse(format_html("<h1>{}</h1>", initiative.title))
