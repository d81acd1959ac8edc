"""Audit events in words: "Sam Shaw viewed Tyler Ashworth's case".

The trail stores codes (an action, a record type, a model label for history digests); IG's
pages read them as sentences. A person's name is used only where the page already shows
that person (their access history); elsewhere the sentence says "a person's".
"""

import re

from audit.models import AuditEvent, EventKind

RECORD_WORDS = {
    "person": "personal details",
    "person_search": "search",
    "referral": "referral",
    "case": "case",
    "case_note": "case note",
    "case_share": "case sharing",
    "risk_review": "risk review",
    "allocation": "intervention allocation",
    "contact": "contact record",
    "outcome_record": "outcome record",
    "consent": "consent record",
    "gillick_assessment": "Gillick assessment",
    "lawful_basis": "lawful basis",
    "dash_record": "Dash risk checklist",
    "perpetrator_link": "victim-perpetrator link",
    "marac_referral": "MARAC referral",
    "panel_meeting": "panel meeting",
    "legal_hold": "legal hold",
    "subject_access_release": "subject access export",
    "account": "account",
    "user": "account",
    "api_token": "API token",
}

CHANGE_VERBS = {"+": "created", "~": "changed", "-": "deleted"}
# How an event came in, for the trail's pages and the subject access export alike.
CHANNEL_WORDS = {"web": "Web", "api": "API", "system": "The service"}


def a_or_an(thing: str) -> str:
    """The article a thing takes ("an organisation", "an API token", "a user")."""
    return "an" if thing[:1].lower() in "aeio" else "a"


def channel_words(channel: str) -> str:
    return CHANNEL_WORDS.get(channel, channel)


def record_words(object_type: str) -> str:
    """ "case_note" -> "case note"; a history digest's "interventions.Contact" -> "contact"."""
    if object_type in RECORD_WORDS:
        return RECORD_WORDS[object_type]
    if "." in object_type:
        model = object_type.rsplit(".", 1)[1]
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", model).lower()
        return RECORD_WORDS.get(words.replace(" ", "_"), words)
    return object_type.replace("_", " ") or "record"


def actor_name(event: AuditEvent) -> str:
    if event.user_id is None:
        return "Someone not signed in" if event.kind == EventKind.LOCKOUT else "The service"
    return str(event.user)


def describe(event: AuditEvent, person_name: str | None = None) -> str:
    """One event as a sentence; ``person_name`` when the page may show whose record it is."""
    who = actor_name(event)
    thing = record_words(event.object_type)
    whose = f"{person_name}'s" if person_name else "a person's"
    person = person_name or "a person"
    if event.kind == EventKind.DENIED:
        if event.person_id:
            return f"{who} was refused {whose} {thing}"
        return f"{who} tried to open {a_or_an(thing)} {thing} and was refused"
    if event.kind == EventKind.CHANGE:
        verb = CHANGE_VERBS.get(event.action, "changed")
        return f"{who} {verb} {whose if event.person_id else a_or_an(thing)} {thing}"
    if event.kind == EventKind.ROUTINE:
        # The job's name is a task's ("prune_sessions"): audit imports no app to label it.
        job = str(event.details.get("task", event.action)).replace("_", " ")
        if event.action == "start_job":
            return f"{who} started the background job “{job}”"
        if event.action == "retry_job":
            return f"{who} retried the failed background job “{job}”"
        return f"{who} ran the background job “{job}”"
    sentences = {
        "view": f"{who} viewed {whose} {thing}",
        "list": f"{who} saw {whose} {thing} in a list",
        "search": f"{who} found {whose} {thing} in a search",
        "find_people": f"{who} searched for people",
        "view_access_history": f"{who} viewed the access history of {person}",
        "view_agenda": f"{who} saw {whose} referral on a panel agenda",
        "view_decisions": f"{who} saw the panel's decision on {whose} referral",
        "break_glass": f"{who} broke the glass to open {whose} records",
        "subject_access_export": f"{who} prepared a subject access export of {whose} records",
        "subject_access_release": f"{who} released a subject access export to {person}",
        "legal_hold_place": f"{who} placed a legal hold on {whose} records",
        "legal_hold_lift": f"{who} lifted a legal hold on {whose} records",
        "reset_two_factor": f"{who} reset someone's two-factor sign-in",
        "revoke_api_token": f"{who} revoked an API token",
        "retention_erasure": f"{who} erased records at the end of their retention period",
        "sign_in_lockout": "Sign-in locked after repeated failed attempts",
        "import_area_measures": f"{who} imported Serious Violence Duty area measures",
        "audit_chain_broken": f"{who} found the audit chain broken",
    }
    if event.action in ("disclose", "end_disclosure"):
        recipient = event.recipient_organisation.name if event.recipient_organisation else ""
        recipient = recipient or "another organisation"
        if event.action == "end_disclosure":
            return f"{who} stopped sharing {whose} {thing} with {recipient}"
        # The rule's title is in the event as written (``sharing`` is above audit), so the
        # sentence names the law it went on as it stood then.
        rule_title = event.details.get("rule_title")
        under = f", under “{rule_title}”" if rule_title else ""
        return f"{who} shared {whose} {thing} with {recipient}{under}"
    return sentences.get(event.action, f"{who}: {event.action.replace('_', ' ')} ({thing})")
