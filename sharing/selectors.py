"""The rule table as pages and the API show it: labels and citations, never raw codes."""

from partners.models import OrganisationType
from sharing.rules import RULES, AgeCondition, Rule
from sharing.vocabulary import DataCategory, Purpose, labels


def rule_in_words(rule: Rule) -> dict:
    return {
        "id": rule.id,
        "title": rule.title,
        "summary": rule.summary,
        "standing": rule.standing,
        "age": rule.age,
        "age_label": AgeCondition(rule.age).label,
        "disclosers": sorted(rule.disclosers),
        "discloser_labels": labels(OrganisationType, rule.disclosers),
        "recipients": sorted(rule.recipients),
        "recipient_labels": labels(OrganisationType, rule.recipients),
        "data_categories": sorted(rule.data_categories),
        "data_category_labels": labels(DataCategory, rule.data_categories),
        "purposes": sorted(rule.purposes),
        "purpose_labels": labels(Purpose, rule.purposes),
        "gateways": [
            {
                "layer": g.layer,
                "layer_label": g.layer_label,
                "title": g.title,
                "citation": g.citation,
            }
            for g in rule.gateways()
        ],
        "limits": [
            limit
            for limit in (
                rule.discloser_limit,
                rule.recipient_limit,
                rule.category_limit,
                rule.health_or_social_care_bar,
            )
            if limit
        ],
        "notes": list(rule.notes),
    }


def rules_in_words() -> list[dict]:
    return [rule_in_words(rule) for rule in RULES]
