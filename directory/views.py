from django.shortcuts import get_object_or_404, render

from directory.models import Actor


def actor_detail(request, slug):
    actor = get_object_or_404(Actor.objects.published().select_related("commune", "neighbourhood"), slug=slug)
    return render(request, "directory/actor_detail.html", {"actor": actor})
