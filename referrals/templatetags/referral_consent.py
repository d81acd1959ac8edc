"""The consent part of a referral's page: its decisions, Gillick assessments and lawful
bases in words, with links to what the viewer may do (asked in
``referrals.consent_views.consent_summary``, which asks the permission rules)."""

from django import template

from referrals import consent_views

register = template.Library()


@register.inclusion_tag("referrals/consent/_summary.html", takes_context=True)
def consent_summary(context, referral):
    return {
        "referral": referral,
        "summary": consent_views.consent_summary(context["request"].user, referral),
    }
