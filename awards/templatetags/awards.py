from django import template

from awards import services

register = template.Library()


@register.simple_tag
def actor_awards(actor):
    """The published laureate titles of a (published) actor, newest first: one query."""
    return services.published_awards([actor.pk]).get(actor.pk, [])
