"""Audit events in words on IG's pages (see ``audit.describe``)."""

from django import template

from audit.describe import actor_name, describe, record_words

register = template.Library()

CHANNELS = {"web": "Web", "api": "API", "system": "The service"}


@register.simple_tag
def describe_event(event, person_name=None):
    return describe(event, person_name)


@register.filter
def actor(event):
    return actor_name(event)


@register.filter
def record_kind(event):
    return record_words(event.object_type)


@register.filter
def channel(event):
    return CHANNELS.get(event.channel, event.channel)
