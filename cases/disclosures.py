"""What the panel sees of a referral is recorded as access and, for members of other
organisations, as a disclosure (named apart from the `audit` app, which stores them)."""

from audit.recorder import record_access, record_disclosure
from partners.selectors import active_memberships


def record_agenda_access(user, meeting, agenda) -> None:
    shown = [item.referral for item in agenda if item.details_allowed]
    record_access(
        user,
        action="view_agenda",
        object_type="referral",
        objects=shown,
        person_of=lambda referral: referral.person_id,
    )
    viewer_organisations = {m.organisation_id: m.organisation for m in active_memberships(user)}
    for referral in shown:
        if referral.organisation_id in viewer_organisations or not viewer_organisations:
            continue
        record_disclosure(
            user,
            recipient_organisation=next(iter(viewer_organisations.values())),
            person_id=referral.person_id,
            object_type="referral",
            object_id=referral.pk,
            data_categories="identity, referral details",
            purpose="panel_discussion",
            basis="consent or lawful basis (see referral)",
        )
