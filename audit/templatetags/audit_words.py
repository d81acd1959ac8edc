"""Audit events in words on IG's pages (see ``audit.describe``)."""

from django import template

from audit.describe import channel_words, describe

register = template.Library()


@register.simple_tag
def describe_event(event, person_name=None):
    return describe(event, person_name)


@register.filter
def channel(event):
    return channel_words(event.channel)
