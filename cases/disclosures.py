"""What the panel sees of a referral is recorded as access and, for members of other
organisations, as a disclosure (named apart from the `audit` app, which stores them).

Each agenda item and each minutes item shown to a member of another organisation is a
disclosure by the referring organisation to the viewer's, for panel discussion: it is shown
only where a rule of ``sharing.rules`` permits it within an information sharing agreement (or
an IG approval), and the ledger records that rule. An item nothing permits is withheld from
that viewer, with the reason. The agreements in force are loaded once per page."""

from audit.recorder import record_access, record_disclosure
from partners.selectors import active_memberships
from referrals.disclosure import referral_data_categories, referral_disclosure_permit
from sharing.agreements import agreements_in_force
from sharing.services import DisclosureRefused
from sharing.vocabulary import DataCategory, Purpose, in_words

# Minutes name an item by its reference, never the person, but carry the panel's
# rationale and actions: a pseudonymised identifier and a safeguarding narrative.
MINUTES_CATEGORIES = frozenset({DataCategory.IDENTITY, DataCategory.SAFEGUARDING_NARRATIVE})


def _viewer_organisations(user) -> dict:
    return {m.organisation_id: m.organisation for m in active_memberships(user)}


class _Page:
    """What a page of items shown to one viewer loads once: the agreements in force, and
    each permit found with how the ledger words it (items alike share them)."""

    def __init__(self):
        self.in_force = agreements_in_force()
        self.permits = {}
        self.words = {}

    def entry(self, permit, categories) -> tuple[str, str, dict]:
        key = (id(permit), categories)
        if key not in self.words:
            self.words[key] = (in_words(DataCategory, categories), permit.basis, permit.details)
        return self.words[key]


def _release(user, referral, viewer_organisations, *, categories, object_type, page: _Page):
    """Whether ``user`` may be shown ``referral``'s item: the reason it is withheld, or "";
    a disclosure to another organisation is recorded with the rule that permitted it."""
    if referral.organisation_id in viewer_organisations or not viewer_organisations:
        return ""
    recipient = next(iter(viewer_organisations.values()))
    try:
        permit = referral_disclosure_permit(
            referral,
            discloser=referral.organisation,
            recipient=recipient,
            purpose=Purpose.PANEL_DISCUSSION,
            data_categories=categories,
            in_force=page.in_force,
            permits=page.permits,
        )
    except DisclosureRefused as refusal:
        return refusal.reason
    words, basis, details = page.entry(permit, categories)
    record_disclosure(
        user,
        recipient_organisation=recipient,
        person_id=referral.person_id,
        object_type=object_type,
        object_id=referral.pk,
        data_categories=words,
        purpose=Purpose.PANEL_DISCUSSION,
        basis=basis,
        details=details,
    )
    return ""


def record_agenda_access(user, meeting, agenda) -> None:
    """Withhold from ``user`` the items no rule lets their organisation see (setting
    ``details_allowed`` off and ``withheld_reason``), then record what is shown."""
    viewer_organisations = _viewer_organisations(user)
    page = _Page()
    for item in agenda:
        if not item.details_allowed:
            continue
        reason = _release(
            user,
            item.referral,
            viewer_organisations,
            categories=referral_data_categories(item.referral),
            object_type="referral",
            page=page,
        )
        if reason:
            item.details_allowed = False
            item.withheld_reason = reason
    record_access(
        user,
        action="view_agenda",
        object_type="referral",
        objects=[item.referral for item in agenda if item.details_allowed],
        person_of=lambda referral: referral.person_id,
    )


def release_minutes(user, minutes):
    """The minutes as ``user`` may have them, on the page or exported: an item no rule lets
    their organisation see keeps its reference and decision but not its rationale or
    actions (``withheld_reason`` says why); each item shown to another organisation is a
    disclosure in the ledger."""
    viewer_organisations = _viewer_organisations(user)
    page = _Page()
    for item in minutes.items:
        item.withheld_reason = _release(
            user,
            item.referral,
            viewer_organisations,
            categories=MINUTES_CATEGORIES,
            object_type="minutes",
            page=page,
        )
    return minutes
