"""The authorization matrix: every URL, every role, from the records' own organisation and
from another, and the answer each must get.

Read it against DESIGN.md's "who sees what". Each row is one URL and method, then what a
user of each role gets when they belong to the organisation that owns the records (OWN:
Riverside Academy, Durham, which made the referral, leads the case and runs the
intervention) and when they belong to another (OTHER: a Darlington charity with nothing
shared). Roles: ref(errer), coord(inator), pm (panel member), chair, prov(ider), ig, an(alyst),
adm(in). ``*`` is every role not named. Each answer is exact: a role let through gets the
route's own success answer (200, 201, 204, or a 302 after a web form), because each row
sends a request, to records in a state, that the operation accepts. Two rows marked "thin
body" (reopening a case, which the world holds none of closed; the web decision form, whose
fields are prefixed per agenda item) still send an incomplete body and expect its 400: the
refused roles' exact 403/404 on the same row show the check comes before the body is read.
Every request runs on the same world, rolled back after it, so one role's success never
changes what the next one meets.
A URL that is not in the matrix fails ``test_every_url_is_in_the_matrix``.
"""

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import api_token_issue
from audit.models import AuditEvent, EventKind, ReviewFlag
from audit.services import break_glass, legal_hold_place
from cases.models import PanelAttendance, PanelDecision
from cases.services import meeting_close
from interventions.services import (
    allocation_create,
    allocation_offer,
    allocation_transition,
    catalogue_export,
)
from notifications.models import Notification
from partners.models import Area, Membership, OrganisationType
from partners.roles import Role
from referrals.consent import lawful_basis_decide, lawful_basis_record
from referrals.marac import dash_record, marac_refer, perpetrator_link
from referrals.services import referral_screen
from sharing.agreements import outside_agreement_approve
from sharing.models import InformationSharingAgreement
from tests.factories import (
    accepted_referral,
    case_ready_for_delivery,
    failed_job,
    give_consent,
    make_intervention,
    make_member,
    make_organisation,
    make_person,
    make_referral,
    panel_meeting,
    submitted_referral,
    years_ago,
)
from tests.support import (
    VerifiedClient,
    api_schema,
    built_once_per_module,
    date_parts,
    documented_statuses,
    schema_operation,
    url_names,
)

ROLES = {
    "ref": Role.REFERRER,
    "coord": Role.COORDINATOR,
    "pm": Role.PANEL_MEMBER,
    "chair": Role.PANEL_CHAIR,
    "prov": Role.PROVIDER,
    "ig": Role.IG_OFFICER,
    "an": Role.ANALYST,
    "adm": Role.ADMIN,
}
CASE_READERS = "ref coord pm chair:200 *:404"
MEETING_READERS = "coord pm chair:200 *:404"
REFERRAL_READERS = "ref coord:200 *:404"
ALLOCATION_READERS = "ref coord pm chair prov:200 *:404"
EVERYONE = "*:200"
IG_ONLY = "ig:200 *:403"
ADMIN_ONLY = "adm:200 *:403"
NOBODY_OTHER = "*:404"
AGREEMENT_READERS = "ig coord adm:200 *:403"
# Figures are aggregates with small numbers suppressed: analysts, coordinators, IG and
# administrators read them, wherever they work.
FIGURE_READERS = "an coord ig adm:200 *:403"
IG_FORM = "ig:302 *:403"
MEASURE_IMPORTERS = "an adm:200 *:403"
MEASURES_CSV = (
    b"measure,other_name,area,period_start,period_end,value,unit,source,source_date\n"
    b"homicides,,durham,2022-04,2023-03,3,,Needs assessment,2024-01-31\n"
)

# (url name, method, OWN organisation, OTHER organisation)
MATRIX = [
    # --- reading -------------------------------------------------------------------------
    ("home", "GET", EVERYONE, EVERYONE),
    ("sign-in", "GET", "*:302", "*:302"),  # signed in already: sent home
    ("api-schema", "GET", EVERYONE, EVERYONE),
    ("api-docs", "GET", EVERYONE, EVERYONE),
    ("api:api-me", "GET", EVERYONE, EVERYONE),
    ("two-factor", "GET", "*:302", "*:302"),  # verified already: sent on
    ("api:api-token-list", "GET", EVERYONE, EVERYONE),
    ("api:organisation-list", "GET", EVERYONE, EVERYONE),
    ("api:organisation-detail", "GET", EVERYONE, EVERYONE),
    ("api:membership-list", "GET", ADMIN_ONLY, ADMIN_ONLY),
    ("api:membership-detail", "GET", ADMIN_ONLY, ADMIN_ONLY),
    ("api:pathway-list", "GET", EVERYONE, EVERYONE),
    # The sharing rules are the partnership's reading of the law: IG reviews them and
    # coordinators, who approve a lawful basis naming one, read them.
    ("api:sharing-rule-list", "GET", "ig coord:200 *:403", "ig coord:200 *:403"),
    ("api:outcome-measure-list", "GET", EVERYONE, EVERYONE),
    # The Serious Violence Duty's area measures: published statistics, read by whoever reads
    # figures, imported by analysts and administrators.
    ("api:figure-measure-list", "GET", FIGURE_READERS, FIGURE_READERS),
    ("api:intervention-list", "GET", EVERYONE, EVERYONE),
    ("api:intervention-detail", "GET", EVERYONE, EVERYONE),
    ("api:intervention-export", "GET", EVERYONE, EVERYONE),
    # The person's record is the organisation's: its panel members see it too.
    ("api:person-detail", "GET", "ref coord pm chair:200 *:404", NOBODY_OTHER),
    ("api:person-match", "GET", "ref coord pm chair:200 *:403", "ref coord pm chair:200 *:403"),
    ("api:referral-list", "GET", EVERYONE, EVERYONE),
    ("api:referral-detail", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("api:referral-consents", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("api:referral-participation", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("api:panel-list", "GET", EVERYONE, EVERYONE),
    ("api:panel-detail", "GET", MEETING_READERS, NOBODY_OTHER),
    ("api:panel-agenda", "GET", MEETING_READERS, NOBODY_OTHER),
    ("api:panel-attendance", "GET", MEETING_READERS, NOBODY_OTHER),
    ("api:panel-decisions", "GET", MEETING_READERS, NOBODY_OTHER),
    ("api:panel-minutes", "GET", MEETING_READERS, NOBODY_OTHER),
    ("api:panel-minutes-csv", "GET", MEETING_READERS, NOBODY_OTHER),
    ("api:case-list", "GET", EVERYONE, EVERYONE),
    ("api:case-detail", "GET", CASE_READERS, NOBODY_OTHER),
    ("api:case-timeline", "GET", CASE_READERS, NOBODY_OTHER),
    ("api:case-notes", "GET", CASE_READERS, NOBODY_OTHER),
    ("api:case-shares", "GET", CASE_READERS, NOBODY_OTHER),
    ("api:case-risk-reviews", "GET", CASE_READERS, NOBODY_OTHER),
    ("api:case-outcomes", "GET", CASE_READERS, NOBODY_OTHER),
    ("api:allocation-list", "GET", EVERYONE, EVERYONE),
    ("api:allocation-detail", "GET", ALLOCATION_READERS, NOBODY_OTHER),
    ("api:allocation-contacts", "GET", ALLOCATION_READERS, NOBODY_OTHER),
    ("api:allocation-outcomes", "GET", ALLOCATION_READERS, NOBODY_OTHER),
    ("api:audit-event-list", "GET", IG_ONLY, IG_ONLY),
    ("api:audit-disclosure-list", "GET", IG_ONLY, IG_ONLY),
    ("api:audit-flag-list", "GET", IG_ONLY, IG_ONLY),
    ("api:audit-verify", "GET", IG_ONLY, IG_ONLY),
    ("api:person-subject-access-export", "GET", IG_ONLY, IG_ONLY),
    ("referrals:list", "GET", "ref coord:200 *:403", "ref coord:200 *:403"),
    ("referrals:screening", "GET", "coord:200 *:403", "coord:200 *:403"),
    ("referrals:pathways", "GET", EVERYONE, EVERYONE),
    # Making a referral is refused before anything is asked; then the person must be seen.
    ("referrals:new", "GET", "ref:200 *:403", "ref:200 *:403"),
    ("referrals:new-person", "GET", "ref:200 *:403", "ref:200 *:403"),
    ("referrals:new-details", "GET", "ref:302 *:403", "ref:404 *:403"),  # to the first page
    ("referrals:new-step", "GET", "ref:200 *:403", "ref:404 *:403"),
    ("referrals:detail", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:consent", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:check", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:edit", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:gillick", "GET", REFERRAL_READERS, NOBODY_OTHER),
    # A victim's domestic abuse referral: the Dash checklist, the perpetrator and MARAC.
    ("api:referral-dash", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("api:referral-perpetrator-links", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("api:referral-marac", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:dash", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:perpetrator", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:marac", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:marac-meeting", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:lawful-basis", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:consent-withdraw", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:participation", "GET", REFERRAL_READERS, NOBODY_OTHER),
    ("referrals:participation-withdraw", "GET", REFERRAL_READERS, NOBODY_OTHER),
    # A basis the own referrer recorded: they may not decide it (four eyes), nor revoke.
    ("referrals:lawful-basis-approve", "GET", "coord:200 ref:403 *:404", NOBODY_OTHER),
    ("referrals:lawful-basis-reject", "GET", "coord:200 ref:403 *:404", NOBODY_OTHER),
    ("referrals:lawful-basis-revoke", "GET", "coord:200 ref:403 *:404", NOBODY_OTHER),
    ("referrals:withdraw", "GET", "ref:200 coord:403 *:404", NOBODY_OTHER),
    ("cases:planner", "GET", "coord pm chair:200 *:403", "coord pm chair:200 *:403"),
    ("cases:meeting", "GET", MEETING_READERS, NOBODY_OTHER),
    ("cases:minutes", "GET", MEETING_READERS, NOBODY_OTHER),
    ("cases:minutes-csv", "GET", MEETING_READERS, NOBODY_OTHER),
    ("cases:list", "GET", "ref coord pm chair:200 *:403", "ref coord pm chair:200 *:403"),
    ("cases:case", "GET", CASE_READERS, NOBODY_OTHER),
    # Each operation on a case has its page; the lead professional and coordinators use them.
    *[
        (f"cases:case-{page}", "GET", "ref coord:200 pm chair:403 *:404", NOBODY_OTHER)
        for page in ("share", "unshare", "review", "note", "close")
    ],
    # The world's case is open: reopening it is not asked, the page sends them back to it.
    ("cases:case-reopen", "GET", "ref coord:302 pm chair:403 *:404", NOBODY_OTHER),
    # Only the owner of a panel action has the list (the world's action is the coordinator's).
    ("cases:my-actions", "GET", "coord:200 *:403", "*:403"),
    # Closing and reopening a meeting ask "are you sure" first (the world's: reopening).
    ("cases:meeting-transition", "GET", "chair:200 coord pm:403 *:404", NOBODY_OTHER),
    ("interventions:catalogue", "GET", EVERYONE, EVERYONE),
    # The catalogue is the partnership's: any coordinator changes an entry's funding.
    ("interventions:funding", "GET", "coord:200 *:403", "coord:200 *:403"),
    ("interventions:funding", "POST", "coord:302 *:403", "coord:302 *:403"),
    ("interventions:caseload", "GET", "prov:200 *:403", "prov:200 *:403"),
    ("interventions:allocation", "GET", ALLOCATION_READERS, NOBODY_OTHER),
    ("interventions:action", "GET", "ref coord:200 pm chair prov:403 *:404", NOBODY_OTHER),
    ("interventions:allocate", "GET", "ref coord:200 pm chair:403 *:404", NOBODY_OTHER),
    ("interventions:contact", "GET", "prov:200 ref coord pm chair:403 *:404", NOBODY_OTHER),
    ("interventions:outcome", "GET", "prov ref coord:200 pm chair:403 *:404", NOBODY_OTHER),
    ("audit:search", "GET", IG_ONLY, IG_ONLY),
    ("sharing:rules", "GET", "ig coord:200 *:403", "ig coord:200 *:403"),
    ("figures:home", "GET", FIGURE_READERS, FIGURE_READERS),
    ("figures:set", "GET", FIGURE_READERS, FIGURE_READERS),
    ("figures:set-csv", "GET", FIGURE_READERS, FIGURE_READERS),
    ("api:figures-list", "GET", FIGURE_READERS, FIGURE_READERS),
    ("api:figures-set", "GET", FIGURE_READERS, FIGURE_READERS),
    ("figures:measures", "GET", FIGURE_READERS, FIGURE_READERS),
    ("figures:measures-import", "GET", MEASURE_IMPORTERS, MEASURE_IMPORTERS),
    ("figures:measures-template", "GET", MEASURE_IMPORTERS, MEASURE_IMPORTERS),
    # Everyone's own notifications and email choices; another's notification is a 404.
    ("notifications:list", "GET", EVERYONE, EVERYONE),
    ("notifications:preferences", "GET", EVERYONE, EVERYONE),
    ("api:notification-list", "GET", EVERYONE, EVERYONE),
    ("audit:flags", "GET", IG_ONLY, IG_ONLY),
    ("audit:person", "GET", IG_ONLY, IG_ONLY),
    ("audit:export", "GET", IG_ONLY, IG_ONLY),
    ("audit:export-json", "GET", IG_ONLY, IG_ONLY),
    ("audit:export-release", "GET", IG_ONLY, IG_ONLY),
    ("audit:find-people", "GET", IG_ONLY, IG_ONLY),
    ("audit:hold-place", "GET", IG_ONLY, IG_ONLY),
    ("audit:hold-lift", "GET", IG_ONLY, IG_ONLY),
    # Anyone with a role may ask to break the glass (and is flagged for it), except an
    # analyst, who sees de-identified figures only.
    ("audit:break-glass", "GET", "an:403 *:200", "an:403 *:200"),
    # Agreements are read by IG, coordinators and administrators, whichever organisation
    # they are in; only IG changes them. Approvals outside an agreement name people: IG only.
    ("sharing:agreements", "GET", AGREEMENT_READERS, AGREEMENT_READERS),
    ("sharing:agreement", "GET", AGREEMENT_READERS, AGREEMENT_READERS),
    ("sharing:agreement-new", "GET", IG_ONLY, IG_ONLY),
    ("sharing:agreement-edit", "GET", IG_ONLY, IG_ONLY),
    ("sharing:agreement-review", "GET", IG_ONLY, IG_ONLY),
    ("sharing:agreement-end", "GET", IG_ONLY, IG_ONLY),
    ("sharing:signatory-new", "GET", IG_ONLY, IG_ONLY),
    ("sharing:approvals", "GET", IG_ONLY, IG_ONLY),
    ("sharing:approval-new", "GET", IG_ONLY, IG_ONLY),
    ("api:sharing-agreement-list", "GET", AGREEMENT_READERS, AGREEMENT_READERS),
    ("api:sharing-agreement-detail", "GET", AGREEMENT_READERS, AGREEMENT_READERS),
    ("api:sharing-approval-list", "GET", IG_ONLY, IG_ONLY),
    ("api:sharing-approval-detail", "GET", IG_ONLY, IG_ONLY),
    ("users", "GET", ADMIN_ONLY, ADMIN_ONLY),
    ("user", "GET", ADMIN_ONLY, ADMIN_ONLY),
    ("user-give-role", "GET", ADMIN_ONLY, ADMIN_ONLY),
    ("user-reset-two-factor", "GET", ADMIN_ONLY, ADMIN_ONLY),
    ("membership-end", "GET", ADMIN_ONLY, ADMIN_ONLY),
    # The background jobs: the routine, failed jobs and the on-demand jobs, administrators'.
    ("jobs:page", "GET", ADMIN_ONLY, ADMIN_ONLY),
    ("jobs:retry", "GET", ADMIN_ONLY, ADMIN_ONLY),
    # --- writing -------------------------------------------------------------------------
    # The referrer of the returned referral was told of it; nobody else may mark that read.
    ("notifications:mark-read", "POST", "ref:302 *:404", NOBODY_OTHER),
    ("notifications:mark-all-read", "POST", "*:302", "*:302"),
    ("notifications:preferences", "POST", "*:302", "*:302"),
    ("api:notification-read", "POST", "ref:200 *:404", NOBODY_OTHER),
    ("api:notification-read-all", "POST", EVERYONE, EVERYONE),
    ("api:api-auth-token", "POST", "*:201", "*:201"),
    # Revoking the token the request came with: anyone holding one.
    ("api:api-auth-token", "DELETE", "*:204", "*:204"),
    ("api:api-token-revoke", "POST", "adm:200 *:404", "adm:200 *:404"),  # someone else's token
    ("api:organisation-list", "POST", "adm:201 *:403", "adm:201 *:403"),
    ("api:figure-measure-list", "POST", "an adm:201 *:403", "an adm:201 *:403"),
    ("api:membership-list", "POST", "adm:201 *:403", "adm:201 *:403"),
    ("api:membership-end", "POST", "adm:200 *:403", "adm:200 *:403"),
    ("api:user-two-factor-reset", "POST", "adm:204 *:403", "adm:204 *:403"),
    ("two-factor", "POST", "*:302", "*:302"),
    ("api:person-list", "POST", "ref:201 *:403", "ref:201 *:403"),
    ("api:person-detail", "PATCH", "ref coord:200 pm chair:403 *:404", NOBODY_OTHER),
    ("api:person-break-glass", "POST", "an:403 *:201", "an:403 *:201"),
    ("api:referral-list", "POST", "ref:201 *:403", "ref:201 *:403"),
    ("api:referral-signpost", "POST", "ref:201 *:403", "ref:201 *:403"),
    # Editing and submitting work on a draft, which no coordinator sees yet.
    ("api:referral-detail", "PATCH", "ref:200 *:404", NOBODY_OTHER),
    ("api:referral-submit", "POST", "ref:200 *:404", NOBODY_OTHER),
    ("api:referral-screen", "POST", "coord:200 ref:403 *:404", NOBODY_OTHER),
    ("api:referral-answer", "POST", "ref:200 coord:403 *:404", NOBODY_OTHER),
    ("api:referral-withdraw", "POST", "ref:200 coord:403 *:404", NOBODY_OTHER),
    ("api:referral-consents", "POST", "ref coord:201 *:404", NOBODY_OTHER),
    ("api:referral-consent-withdraw", "POST", "ref coord:200 *:404", NOBODY_OTHER),
    ("api:referral-participation", "POST", "ref coord:201 *:404", NOBODY_OTHER),
    ("api:referral-participation-withdraw", "POST", "ref coord:200 *:404", NOBODY_OTHER),
    ("api:referral-gillick", "POST", "ref coord:201 *:404", NOBODY_OTHER),
    ("api:referral-dash", "POST", "ref coord:201 *:404", NOBODY_OTHER),
    # Linking is of someone the actor can see: the own organisation's record of the person.
    ("api:referral-perpetrator-links", "POST", "ref coord:201 *:404", NOBODY_OTHER),
    ("api:referral-marac", "POST", "ref coord:201 *:404", NOBODY_OTHER),
    ("api:referral-marac-meeting", "POST", "ref coord:200 *:404", NOBODY_OTHER),
    ("api:referral-lawful-basis", "POST", "ref coord:201 *:404", NOBODY_OTHER),
    ("api:referral-lawful-basis-approve", "POST", "coord:200 ref:403 *:404", NOBODY_OTHER),
    ("api:referral-lawful-basis-reject", "POST", "coord:200 ref:403 *:404", NOBODY_OTHER),
    ("api:referral-lawful-basis-revoke", "POST", "coord:200 ref:403 *:404", NOBODY_OTHER),
    ("api:panel-list", "POST", "coord:201 *:403", "coord:403 *:403"),  # a Durham panel
    ("api:panel-attendance", "POST", "chair coord:200 pm:403 *:404", NOBODY_OTHER),
    ("api:panel-decisions", "POST", "chair:201 coord pm:403 *:404", NOBODY_OTHER),
    ("api:panel-amend-decision", "PATCH", "chair:200 coord pm:403 *:404", NOBODY_OTHER),
    ("api:panel-action-done", "POST", "chair coord:200 pm:403 *:404", NOBODY_OTHER),
    ("api:panel-start", "POST", "chair:200 coord pm:403 *:404", NOBODY_OTHER),
    ("api:panel-close", "POST", "chair:200 coord pm:403 *:404", NOBODY_OTHER),
    ("api:panel-reopen", "POST", "chair:200 coord pm:403 *:404", NOBODY_OTHER),
    ("api:case-shares", "POST", "ref coord:201 pm chair:403 *:404", NOBODY_OTHER),
    ("api:case-end-share", "POST", "ref coord:200 pm chair:403 *:404", NOBODY_OTHER),
    ("api:case-risk-reviews", "POST", "ref coord:201 pm chair:403 *:404", NOBODY_OTHER),
    ("api:case-notes", "POST", "ref coord:201 pm chair:403 *:404", NOBODY_OTHER),
    ("api:case-edit-note", "PATCH", "ref:200 coord pm chair:403 *:404", NOBODY_OTHER),
    ("api:case-outcomes", "POST", "ref coord:201 pm chair:403 *:404", NOBODY_OTHER),
    ("api:case-close", "POST", "ref coord:200 pm chair:403 *:404", NOBODY_OTHER),
    ("api:case-reopen", "POST", "ref coord:400 pm chair:403 *:404", NOBODY_OTHER),  # thin body
    ("api:allocation-list", "POST", "ref coord:201 pm chair:403 *:404", NOBODY_OTHER),
    ("api:allocation-offer", "POST", "ref coord:200 pm chair prov:403 *:404", NOBODY_OTHER),
    ("api:allocation-accept", "POST", "ref prov:200 coord pm chair:403 *:404", NOBODY_OTHER),
    ("api:allocation-decline", "POST", "ref prov:200 coord pm chair:403 *:404", NOBODY_OTHER),
    ("api:allocation-start", "POST", "prov:200 ref coord pm chair:403 *:404", NOBODY_OTHER),
    ("api:allocation-complete", "POST", "prov:200 ref coord pm chair:403 *:404", NOBODY_OTHER),
    ("api:allocation-disengage", "POST", "prov:200 ref coord pm chair:403 *:404", NOBODY_OTHER),
    ("api:allocation-withdraw", "POST", "ref coord prov:200 pm chair:403 *:404", NOBODY_OTHER),
    ("api:allocation-cancel", "POST", "ref coord:200 prov pm chair:403 *:404", NOBODY_OTHER),
    ("api:allocation-contacts", "POST", "prov:201 ref coord pm chair:403 *:404", NOBODY_OTHER),
    ("api:allocation-outcomes", "POST", "prov ref coord:201 pm chair:403 *:404", NOBODY_OTHER),
    ("api:intervention-list", "POST", "coord:201 *:403", "coord:201 *:403"),
    ("api:intervention-detail", "PATCH", "coord:200 *:403", "coord:200 *:403"),
    ("api:intervention-import-catalogue", "POST", "coord:200 *:403", "coord:200 *:403"),
    ("api:audit-flag-review", "POST", "ig:200 *:403", "ig:200 *:403"),
    ("referrals:screen", "POST", "coord:302 ref:403 *:404", NOBODY_OTHER),
    ("referrals:answer", "POST", "ref:302 coord:403 *:404", NOBODY_OTHER),
    ("referrals:withdraw", "POST", "ref:302 coord:403 *:404", NOBODY_OTHER),
    ("referrals:gillick", "POST", "ref coord:302 *:404", NOBODY_OTHER),
    ("referrals:dash", "POST", "ref coord:302 *:404", NOBODY_OTHER),
    ("referrals:perpetrator", "POST", "ref coord:200 *:404", NOBODY_OTHER),  # the search
    ("referrals:marac", "POST", "ref coord:302 *:404", NOBODY_OTHER),
    ("referrals:marac-meeting", "POST", "ref coord:302 *:404", NOBODY_OTHER),
    ("referrals:lawful-basis", "POST", "ref coord:302 *:404", NOBODY_OTHER),
    ("referrals:consent-withdraw", "POST", "ref coord:302 *:404", NOBODY_OTHER),
    ("referrals:participation", "POST", "ref coord:302 *:404", NOBODY_OTHER),
    ("referrals:participation-withdraw", "POST", "ref coord:302 *:404", NOBODY_OTHER),
    ("referrals:lawful-basis-approve", "POST", "coord:302 ref:403 *:404", NOBODY_OTHER),
    ("referrals:lawful-basis-reject", "POST", "coord:302 ref:403 *:404", NOBODY_OTHER),
    ("referrals:lawful-basis-revoke", "POST", "coord:302 ref:403 *:404", NOBODY_OTHER),
    # The search for the person is posted (name and date of birth stay out of URLs).
    ("referrals:new", "POST", "ref:200 *:403", "ref:200 *:403"),
    ("referrals:new-person", "POST", "ref:200 *:403", "ref:200 *:403"),
    ("referrals:new-step", "POST", "ref:302 *:403", "ref:404 *:403"),  # on to the next page
    ("cases:attendance", "POST", "chair coord:302 pm:403 *:404", NOBODY_OTHER),
    ("cases:decision", "POST", "chair:400 coord pm:403 *:404", NOBODY_OTHER),  # thin body
    ("cases:meeting-transition", "POST", "chair:302 coord pm:403 *:404", NOBODY_OTHER),
    *[
        (f"cases:case-{page}", "POST", "ref coord:302 pm chair:403 *:404", NOBODY_OTHER)
        for page in ("share", "unshare", "review", "note", "close")
    ],
    ("cases:case-reopen", "POST", "ref coord:400 pm chair:403 *:404", NOBODY_OTHER),  # thin body
    # The owner (not on the meeting) or the meeting's chair or coordinator marks it done.
    ("cases:action-done", "POST", "coord chair:302 pm:403 *:404", NOBODY_OTHER),
    ("interventions:allocate", "POST", "ref coord:302 pm chair:403 *:404", NOBODY_OTHER),
    ("interventions:action", "POST", "ref coord:302 pm chair prov:403 *:404", NOBODY_OTHER),
    ("interventions:contact", "POST", "prov:302 ref coord pm chair:403 *:404", NOBODY_OTHER),
    ("interventions:outcome", "POST", "prov ref coord:302 pm chair:403 *:404", NOBODY_OTHER),
    # Finding people is a read, but its terms (personal data) travel in a POST body.
    ("audit:find-people", "POST", IG_ONLY, IG_ONLY),
    ("audit:review", "POST", "ig:302 *:403", "ig:302 *:403"),
    ("audit:hold-place", "POST", "ig:302 *:403", "ig:302 *:403"),
    ("audit:hold-lift", "POST", "ig:302 *:403", "ig:302 *:403"),
    ("audit:export-release", "POST", "ig:302 *:403", "ig:302 *:403"),
    ("audit:break-glass", "POST", "an:403 *:302", "an:403 *:302"),
    ("sharing:agreement-new", "POST", IG_FORM, IG_FORM),
    ("sharing:agreement-edit", "POST", IG_FORM, IG_FORM),
    ("sharing:agreement-review", "POST", IG_FORM, IG_FORM),
    ("sharing:agreement-end", "POST", IG_FORM, IG_FORM),
    ("sharing:signatory-new", "POST", IG_FORM, IG_FORM),
    ("sharing:approval-new", "POST", IG_FORM, IG_FORM),
    ("api:sharing-agreement-list", "POST", "ig:201 *:403", "ig:201 *:403"),
    ("api:sharing-agreement-detail", "PATCH", IG_ONLY, IG_ONLY),
    ("api:sharing-agreement-review", "POST", IG_ONLY, IG_ONLY),
    ("api:sharing-agreement-end", "POST", IG_ONLY, IG_ONLY),
    ("api:sharing-agreement-signatories", "POST", "ig:201 *:403", "ig:201 *:403"),
    ("api:sharing-approval-list", "POST", "ig:201 *:403", "ig:201 *:403"),
    ("user-give-role", "POST", "adm:302 *:403", "adm:302 *:403"),
    ("user-reset-two-factor", "POST", "adm:302 *:403", "adm:302 *:403"),
    ("membership-end", "POST", "adm:302 *:403", "adm:302 *:403"),
    ("jobs:retry", "POST", "adm:302 *:403", "adm:302 *:403"),
    ("jobs:start", "POST", "adm:302 *:403", "adm:302 *:403"),
    ("sign-out", "POST", "*:302", "*:302"),
]

# The request each row sends: URL arguments from the world and a body, keyed by URL name, or
# by (URL name, method) where reading and changing need records in different states.
TODAY = timezone.localdate().isoformat()
OUTCOME = {"measure": "feeling_safe", "kind": "baseline", "value": "5", "recorded_on": TODAY}
NEW_REFERRAL = {
    "pathway": "u18_prevention",
    "area": "durham",
    "incident_date": TODAY,
    "narrative": "Seen carrying a knife near the school gates.",
    "risk_factors": ["knife_carrying"],
    "risk_level": "medium",
    "new_person": {"given_name": "Casey", "family_name": "Morgan", "date_of_birth": "2010-05-04"},
}


AGREEMENT = lambda w: {"agreement_id": w.agreement.pk}  # noqa: E731
DA_REFERRAL = lambda w: {"referral_id": w.da_referral.pk}  # noqa: E731
DASH_FORM = {
    **{f"answer_{n}": "yes" if n <= 14 else "no" for n in range(1, 25)},
    **date_parts("completed_on", timezone.localdate()),
}

# A period with no referrals: figures with nothing to suppress, so the answer is about who
# asks, not about the guard against small groups.
FIGURES_QUERY = {"from": "2020-01", "to": "2020-01"}
GET_QUERIES = {
    "figures:set": FIGURES_QUERY,
    "figures:set-csv": FIGURES_QUERY,
    "api:figures-set": FIGURES_QUERY,
}

REQUESTS = {
    "figures:set": (lambda w: {"set_key": "referrals"}, {}),
    "figures:set-csv": (lambda w: {"set_key": "funnel"}, {}),
    "api:figures-set": (lambda w: {"set_key": "outcomes"}, {}),
    "api:referral-dash": (DA_REFERRAL, {"checklist": "safelives_ric_2009", "answers": ["no"] * 24}),
    "api:referral-perpetrator-links": (
        DA_REFERRAL,
        lambda w: {"perpetrator": str(w.second_perpetrator.pk)},
    ),
    "api:referral-marac": (DA_REFERRAL, lambda w: {"link": w.link.pk, "referred_on": TODAY}),
    "api:referral-marac-meeting": (
        lambda w: {"referral_id": w.da_referral.pk, "marac_id": w.marac.pk},
        {"meeting_date": TODAY, "outcome": "IDVA allocated"},
    ),
    "referrals:dash": (DA_REFERRAL, DASH_FORM),
    "referrals:perpetrator": (
        DA_REFERRAL,
        {
            "search": "1",
            "family_name": "Hale",
            **date_parts("date_of_birth", datetime.date(1990, 1, 2)),
        },
    ),
    "referrals:marac": (
        DA_REFERRAL,
        lambda w: {"link": str(w.link.pk), **date_parts("referred_on", timezone.localdate())},
    ),
    "referrals:marac-meeting": (
        lambda w: {"referral_id": w.da_referral.pk, "marac_id": w.marac.pk},
        {"outcome": "IDVA allocated", **date_parts("meeting_date", timezone.localdate())},
    ),
    "api:referral-list": (None, NEW_REFERRAL),
    "api:referral-signpost": (None, {**NEW_REFERRAL, "signpost_service": "childrens_social_care"}),
    "api:organisation-list": (
        None,
        {
            "name": "Matrix Academy",
            "code": "matrix-academy",
            "organisation_type": "school",
            "area": "durham",
        },
    ),
    "api:membership-list": (
        None,
        lambda w: {
            "user": w.users[("other", "an")].pk,
            "organisation": w.own.pk,
            "role": "analyst",
        },
    ),
    "api:person-list": (
        None,
        {"given_name": "Casey", "family_name": "Morgan", "date_of_birth": "2010-05-04"},
    ),
    "api:referral-gillick": (
        lambda w: {"referral_id": w.referral.pk},
        {"competent": True, "assessed_on": TODAY, "rationale": "Understands what is proposed."},
    ),
    "api:referral-lawful-basis": (
        lambda w: {"referral_id": w.referral.pk},
        {
            "purpose": "information_sharing",
            "ground": "child-safeguarding",
            "justification": "Safeguarding concern needing sharing now.",
        },
    ),
    "api:case-shares": (
        lambda w: {"pk": w.case.pk},
        lambda w: {"organisation": w.other.pk, "purpose": "information_sharing"},
    ),
    "api:referral-lawful-basis-approve": (
        lambda w: {"referral_id": w.referral.pk, "basis_id": w.basis.pk},
        {},
    ),
    "api:case-edit-note": (
        lambda w: {"pk": w.case.pk, "note_id": w.note.pk},
        lambda w: {"text": "Visited at home", "version": w.note.version},
    ),
    "api:case-risk-reviews": (
        lambda w: {"pk": w.case.pk},
        {
            "level": "high",
            "rationale": "Seen with a knife",
            "reviewed_on": TODAY,
            "next_review_date": (timezone.localdate() + datetime.timedelta(days=28)).isoformat(),
        },
    ),
    "api:organisation-detail": (lambda w: {"pk": w.own.pk}, {}),
    "api:membership-detail": (lambda w: {"pk": w.membership.pk}, {}),
    "api:membership-end": (lambda w: {"pk": w.membership.pk}, {"reason": "Left"}),
    "api:user-two-factor-reset": (
        lambda w: {"user_id": w.membership.user_id},
        {"reason": "Lost their phone"},
    ),
    "api:intervention-detail": (
        lambda w: {"pk": w.intervention.pk},
        lambda w: {"version": w.intervention.version, "description": "Weekly mentoring."},
    ),
    "api:person-detail": (
        lambda w: {"pk": w.person.pk},
        lambda w: {"version": w.person.version, "postcode": "DH1 1AA"},
    ),
    "api:person-match": (None, {"nhs_number": "9434765919"}),
    "api:person-break-glass": (
        lambda w: {"person_id": w.person.pk},
        {"reason": "Checking a reported threat tonight"},
    ),
    "api:person-subject-access-export": (lambda w: {"person_id": w.person.pk}, {}),
    # Reading takes the referral the coordinators see; editing takes the draft, which they
    # do not see yet.
    ("api:referral-detail", "GET"): (lambda w: {"pk": w.referral.pk}, {}),
    ("api:referral-detail", "PATCH"): (
        lambda w: {"pk": w.draft.pk},
        lambda w: {"version": w.draft.version, "risk_level": "high"},
    ),
    "api:referral-consents": (
        lambda w: {"referral_id": w.referral.pk},
        {
            "purposes": ["assessment"],
            "given_by": "parent_or_guardian",
            "decision": "given",
            "decided_on": TODAY,
            "method": "written",
            "giver_name": "Sam Fletcher",
        },
    ),
    "api:referral-consent-withdraw": (
        lambda w: {"referral_id": w.referral.pk},
        {"purposes": ["assessment"], "given_by": "parent_or_guardian", "reason": "Asked to stop"},
    ),
    "api:referral-participation": (
        lambda w: {"referral_id": w.referral.pk},
        {
            "given_by": "parent_or_guardian",
            "decision": "agreed",
            "decided_on": TODAY,
            "method": "verbal",
            "giver_name": "Sam Fletcher",
        },
    ),
    "api:referral-participation-withdraw": (
        lambda w: {"referral_id": w.referral.pk},
        {"given_by": "parent_or_guardian", "reason": "Asked to stop coming"},
    ),
    "api:referral-lawful-basis-reject": (
        lambda w: {"referral_id": w.referral.pk, "basis_id": w.basis.pk},
        {"note": "No safeguarding concern is described"},
    ),
    "api:referral-lawful-basis-revoke": (
        lambda w: {"referral_id": w.referral.pk, "basis_id": w.approved_basis.pk},
        {"note": "The person now consents"},
    ),
    "api:referral-submit": (lambda w: {"pk": w.draft.pk}, {}),
    "api:referral-screen": (lambda w: {"pk": w.submitted.pk}, {"outcome": "declined", "note": "x"}),
    "api:referral-answer": (lambda w: {"pk": w.returned.pk}, {"answer": "x"}),
    "api:referral-withdraw": (lambda w: {"pk": w.submitted.pk}, {"reason": "x"}),
    "api:panel-detail": (lambda w: {"pk": w.meeting.pk}, {}),
    "api:panel-agenda": (lambda w: {"pk": w.meeting.pk}, {}),
    "api:panel-attendance": (
        lambda w: {"pk": w.meeting.pk},
        lambda w: {"user": w.users[("own", "pm")].pk, "attended": True},
    ),
    "api:panel-decisions": (
        lambda w: {"pk": w.meeting.pk},
        lambda w: {
            "referral": str(w.waiting.pk),
            "outcome": "no_further_action",
            "rationale": "Support is already in place at school.",
        },
    ),
    # The catalogue as exported, imported again: every service matched, nothing new.
    "api:intervention-import-catalogue": (None, lambda w: catalogue_export()),
    "api:intervention-list": (
        None,
        lambda w: {
            "name": "Boxing club",
            "description": "Weekly boxing and mentoring.",
            "intervention_type": "mentoring",
            "provider": w.own.pk,
            "pathways": ["u18_prevention"],
            "min_age": 10,
            "max_age": 17,
            "capacity": 5,
            "funding_stream": "Serious Violence Duty grant",
        },
    ),
    "api:panel-amend-decision": (
        lambda w: {"pk": w.meeting.pk, "decision_id": w.decision.pk},
        lambda w: {"version": w.decision.version, "rationale": "Needs a mentor now."},
    ),
    "api:panel-action-done": (
        lambda w: {"pk": w.meeting.pk, "decision_id": w.decision.pk, "action_id": w.action.pk},
        {},
    ),
    "api:panel-start": (lambda w: {"pk": w.scheduled_meeting.pk}, {}),
    "api:panel-close": (lambda w: {"pk": w.meeting.pk}, {}),
    "api:panel-reopen": (
        lambda w: {"pk": w.closed_meeting.pk},
        {"reason": "A decision was missed"},
    ),
    "api:panel-list": (
        None,
        lambda w: {
            "area": "durham",
            "meets_at": "2027-01-05T10:00:00Z",
            "chair": w.users[("own", "chair")].pk,
            "members": [],
        },
    ),
    "api:case-detail": (lambda w: {"pk": w.case.pk}, {}),
    "api:case-timeline": (lambda w: {"pk": w.case.pk}, {}),
    "api:case-notes": (lambda w: {"pk": w.case.pk}, {"text": "Visited at home"}),
    "api:case-end-share": (
        lambda w: {"pk": w.case.pk, "share_id": w.share.pk},
        {"reason": "No longer needed"},
    ),
    "api:case-outcomes": (lambda w: {"case_id": w.case.pk}, OUTCOME),
    "api:case-close": (
        lambda w: {"pk": w.case.pk},
        {"reason": "goals_met", "summary": "Back in school and mentored"},
    ),
    "api:case-reopen": (lambda w: {"pk": w.case.pk}, {"reason": ""}),
    "api:allocation-list": (
        None,
        lambda w: {"case": str(w.case.pk), "intervention": w.intervention.pk, "request": "Mentor"},
    ),
    # Each transition on an allocation in the state it starts from; offering takes no body.
    "api:allocation-offer": (lambda w: {"pk": w.allocations["proposed"].pk}, {}),
    **{
        f"api:allocation-{action}": (
            lambda w, state=state: {"pk": w.allocations[state].pk},
            {"reason": "Moved out of the area"},
        )
        for action, state in (
            ("accept", "offered"),
            ("decline", "offered"),
            ("start", "accepted"),
            ("complete", "active"),
            ("disengage", "active"),
            ("withdraw", "proposed"),
            ("cancel", "proposed"),
        )
    },
    "api:allocation-detail": (lambda w: {"pk": w.allocation.pk}, {}),
    "api:allocation-contacts": (
        lambda w: {"pk": w.allocations["active"].pk},
        {"contact_date": TODAY, "contact_type": "face_to_face", "outcome": "attended"},
    ),
    "api:allocation-outcomes": (lambda w: {"pk": w.allocations["active"].pk}, OUTCOME),
    "api:api-token-revoke": (lambda w: {"pk": w.token.pk}, {}),
    "api:audit-flag-review": (
        lambda w: {"pk": w.flag.pk},
        lambda w: {"outcome": "appropriate", "note": "Checked", "version": w.flag.version},
    ),
    ("referrals:new", "POST"): (
        None,
        lambda w: {
            "family_name": w.person.family_name,
            **date_parts("date_of_birth", w.person.date_of_birth),
        },
    ),
    "referrals:new-details": (lambda w: {"person_id": w.person.pk}, {}),
    ("referrals:new-step", "GET"): (lambda w: {"person_id": w.person.pk, "step": "pathway"}, {}),
    ("referrals:new-step", "POST"): (
        lambda w: {"person_id": w.person.pk, "step": "pathway"},
        lambda w: {
            f"new_referral_{w.person.pk}-current_step": "pathway",
            "pathway-pathway": "u18_prevention",
        },
    ),
    "referrals:detail": (lambda w: {"referral_id": w.referral.pk}, {}),
    "referrals:consent": (lambda w: {"referral_id": w.referral.pk}, {}),
    "referrals:check": (lambda w: {"referral_id": w.referral.pk}, {}),
    "referrals:edit": (lambda w: {"referral_id": w.referral.pk}, {}),
    "referrals:screen": (
        lambda w: {"referral_id": w.submitted.pk},
        {"outcome": "declined", "note": "x"},
    ),
    "referrals:answer": (lambda w: {"referral_id": w.returned.pk}, {"answer": "x"}),
    "referrals:withdraw": (lambda w: {"referral_id": w.submitted.pk}, {"reason": "x"}),
    "referrals:gillick": (
        lambda w: {"referral_id": w.referral.pk},
        {
            "competent": "competent",
            **date_parts("assessed_on", timezone.localdate()),
            "rationale": "Understands what is proposed.",
        },
    ),
    "referrals:lawful-basis": (
        lambda w: {"referral_id": w.referral.pk},
        {
            "purpose": "information_sharing",
            "ground": "child-safeguarding",
            "justification": "Safeguarding concern needing sharing now.",
        },
    ),
    "referrals:consent-withdraw": (
        lambda w: {
            "referral_id": w.referral.pk,
            "consent_id": w.referral.consents.get(
                purpose="assessment", given_by="parent_or_guardian"
            ).pk,
        },
        {"reason": "Asked to stop"},
    ),
    "referrals:participation": (
        lambda w: {"referral_id": w.referral.pk},
        {
            "given_by": "parent_or_guardian",
            "decision": "agreed",
            **date_parts("decided_on", timezone.localdate()),
            "method": "verbal",
            "giver_name": "Sam Fletcher",
        },
    ),
    "referrals:participation-withdraw": (
        lambda w: {
            "referral_id": w.referral.pk,
            "participation_id": w.referral.participations.get().pk,
        },
        {"reason": "Asked to stop coming"},
    ),
    "referrals:lawful-basis-approve": (
        lambda w: {"referral_id": w.referral.pk, "basis_id": w.basis.pk},
        {"note": ""},
    ),
    "referrals:lawful-basis-reject": (
        lambda w: {"referral_id": w.referral.pk, "basis_id": w.basis.pk},
        {"note": "No safeguarding concern is described"},
    ),
    "referrals:lawful-basis-revoke": (
        lambda w: {"referral_id": w.referral.pk, "basis_id": w.approved_basis.pk},
        {"reason": "The person now consents"},
    ),
    "cases:meeting": (lambda w: {"meeting_id": w.meeting.pk}, {}),
    "cases:minutes": (lambda w: {"meeting_id": w.closed_meeting.pk}, {}),
    "cases:minutes-csv": (lambda w: {"meeting_id": w.closed_meeting.pk}, {}),
    "cases:attendance": (
        lambda w: {"meeting_id": w.meeting.pk},
        lambda w: {"attended": [w.users[("own", "pm")].pk]},
    ),
    "cases:decision": (
        lambda w: {"meeting_id": w.meeting.pk},
        {"prefix": "item-00000000-0000-0000-0000-000000000000"},
    ),
    "cases:meeting-transition": (
        lambda w: {"meeting_id": w.closed_meeting.pk, "transition": "reopen"},
        {"reason": "New information about one referral"},
    ),
    "cases:case": (lambda w: {"case_id": w.case.pk}, {}),
    "cases:case-share": (
        lambda w: {"case_id": w.case.pk},
        lambda w: {"organisation": w.other.pk, "purpose": "information_sharing"},
    ),
    "cases:case-unshare": (
        lambda w: {"case_id": w.case.pk, "share_id": w.share.pk},
        {"reason": "No longer needed"},
    ),
    "cases:case-review": (
        lambda w: {"case_id": w.case.pk},
        {
            "level": "medium",
            "rationale": "Attending school again",
            **date_parts("reviewed_on", timezone.localdate()),
            **date_parts("next_review_date", timezone.localdate() + datetime.timedelta(days=28)),
        },
    ),
    "cases:case-note": (lambda w: {"case_id": w.case.pk}, {"text": "Visited at home"}),
    "cases:case-close": (
        lambda w: {"case_id": w.case.pk},
        {"reason": "goals_met", "summary": "Back in school and mentored"},
    ),
    "cases:case-reopen": (lambda w: {"case_id": w.case.pk}, {"reason": ""}),
    "cases:my-actions": (None, {}),
    "cases:action-done": (lambda w: {"action_id": w.action.pk}, {}),
    "api:panel-minutes": (lambda w: {"pk": w.closed_meeting.pk}, {}),
    "api:panel-minutes-csv": (lambda w: {"pk": w.closed_meeting.pk}, {}),
    "interventions:allocation": (lambda w: {"allocation_id": w.allocation.pk}, {}),
    "interventions:funding": (
        lambda w: {"intervention_id": w.intervention.pk},
        lambda w: {"funding_stream": "Grant", "annual_funding": "1000", "version": 1},
    ),
    "interventions:allocate": (
        lambda w: {"case_id": w.case.pk},
        lambda w: {"intervention": w.intervention.pk, "request": "Mentor"},
    ),
    "interventions:action": (lambda w: {"allocation_id": w.allocation.pk, "action": "offer"}, {}),
    "interventions:contact": (
        lambda w: {"allocation_id": w.allocations["active"].pk},
        {
            **date_parts("contact_date", timezone.localdate()),
            "contact_type": "face_to_face",
            "outcome": "attended",
        },
    ),
    "interventions:outcome": (
        lambda w: {"allocation_id": w.allocations["active"].pk},
        {
            "measure": "feeling_safe",
            "kind": "baseline",
            "value": "5",
            **date_parts("recorded_on", timezone.localdate()),
        },
    ),
    "audit:person": (lambda w: {"person_id": w.person.pk}, {}),
    "audit:export": (lambda w: {"person_id": w.person.pk}, {}),
    "audit:export-json": (lambda w: {"person_id": w.person.pk}, {}),
    "audit:export-release": (
        lambda w: {"person_id": w.person.pk},
        {"delivery": "Handed over at the council office"},
    ),
    "audit:hold-place": (lambda w: {"person_id": w.person.pk}, {"reason": "Civil claim pending"}),
    "audit:hold-lift": (
        lambda w: {"person_id": w.person.pk, "hold_id": w.hold.pk},
        {"reason": "The claim was settled"},
    ),
    "audit:break-glass": (
        lambda w: {"person_id": w.person.pk},
        {"reason": "Checking a reported threat tonight"},
    ),
    "audit:review": (lambda w: {"flag_id": w.flag.pk}, {}),
    "sharing:agreement": (AGREEMENT, {}),
    ("sharing:agreement-new", "POST"): (
        None,
        lambda w: {
            "organisation": w.other.pk,
            "reference": "ISA-MATRIX",
            "title": "Matrix agreement",
            "purposes": ["assessment"],
            "data_categories": ["identity"],
            **date_parts("starts_on", timezone.localdate()),
            **date_parts("review_on", timezone.localdate() + datetime.timedelta(days=300)),
        },
    ),
    "sharing:agreement-edit": (
        AGREEMENT,
        lambda w: {
            "organisation": w.own.pk,
            "reference": w.agreement.reference,
            "title": "Renamed",
            "purposes": ["assessment"],
            "data_categories": ["identity"],
            "version": w.agreement.version,
            **date_parts("starts_on", w.agreement.starts_on),
            **date_parts("review_on", w.agreement.review_on),
        },
    ),
    "sharing:agreement-review": (
        AGREEMENT,
        lambda w: {
            "version": w.agreement.version,
            **date_parts("next_review_on", timezone.localdate() + datetime.timedelta(days=300)),
        },
    ),
    "sharing:agreement-end": (
        AGREEMENT,
        lambda w: {
            "version": w.agreement.version,
            "reason": "Left the partnership",
            **date_parts("ends_on", timezone.localdate()),
        },
    ),
    "sharing:signatory-new": (
        AGREEMENT,
        lambda w: {
            "name": "Joan Pratt",
            "role": "Data protection officer",
            "organisation": w.own.pk,
            **date_parts("signed_on", timezone.localdate()),
        },
    ),
    "sharing:approval-new": (
        lambda w: {"person_id": w.person.pk},
        lambda w: {
            "discloser": w.own.pk,
            "recipient": w.other.pk,
            "purpose": "assessment",
            "data_categories": ["identity"],
            "reason": "Urgent assessment",
            **date_parts("valid_until", timezone.localdate()),
        },
    ),
    ("api:sharing-agreement-list", "POST"): (
        None,
        lambda w: {
            "organisation": w.other.pk,
            "reference": "ISA-MATRIX-API",
            "title": "Matrix agreement",
            "purposes": ["assessment"],
            "data_categories": ["identity"],
            "starts_on": TODAY,
            "review_on": (timezone.localdate() + datetime.timedelta(days=300)).isoformat(),
        },
    ),
    "api:sharing-agreement-detail": (
        lambda w: {"pk": w.agreement.pk},
        lambda w: {"title": "Renamed", "version": w.agreement.version},
    ),
    "api:sharing-agreement-review": (
        lambda w: {"pk": w.agreement.pk},
        lambda w: {
            "next_review_on": (timezone.localdate() + datetime.timedelta(days=300)).isoformat(),
            "version": w.agreement.version,
        },
    ),
    "api:sharing-agreement-end": (
        lambda w: {"pk": w.agreement.pk},
        lambda w: {"ends_on": TODAY, "reason": "Left", "version": w.agreement.version},
    ),
    "api:sharing-agreement-signatories": (
        lambda w: {"pk": w.agreement.pk},
        lambda w: {
            "name": "Joan Pratt",
            "role": "DPO",
            "organisation": w.own.pk,
            "signed_on": TODAY,
        },
    ),
    ("api:sharing-approval-list", "POST"): (
        None,
        lambda w: {
            "discloser": w.own.pk,
            "recipient": w.other.pk,
            "person": str(w.person.pk),
            "purpose": "assessment",
            "data_categories": ["identity"],
            "reason": "Urgent assessment",
            "valid_until": TODAY,
        },
    ),
    "api:sharing-approval-detail": (lambda w: {"pk": w.approval.pk}, {}),
    "audit:find-people": (
        None,
        lambda w: {
            "family_name": w.person.family_name,
            **date_parts("date_of_birth", w.person.date_of_birth),
        },
    ),
    "user": (lambda w: {"user_id": w.membership.user_id}, {}),
    "user-give-role": (
        lambda w: {"user_id": w.users[("other", "an")].pk},
        lambda w: {"organisation": w.own.pk, "role": "analyst"},
    ),
    "user-reset-two-factor": (
        lambda w: {"user_id": w.membership.user_id},
        {"reason": "Lost their phone"},
    ),
    "membership-end": (lambda w: {"membership_id": w.membership.pk}, {"reason": "Left"}),
    "jobs:retry": (lambda w: {"job_id": w.failed_job}, {}),
    "jobs:start": (lambda w: {"name": "rebuild_figures"}, {}),
    "notifications:mark-read": (lambda w: {"notification_id": w.returned_notice.pk}, {}),
    "api:notification-read": (lambda w: {"pk": w.returned_notice.pk}, {}),
    ("notifications:preferences", "POST"): (None, {"email": ["referral_returned"]}),
}


def expectations(spec: str) -> dict[str, str]:
    """ "ref coord:200 pm:403 *:404" -> the answer for each role."""
    answers, default, pending = {}, None, []
    for token in spec.split():
        if ":" not in token:
            pending.append(token)
            continue
        name, answer = token.split(":")
        if name == "*":
            default = answer
        for role in [*pending, name]:
            if role != "*":
                answers[role] = answer
        pending = []
    return {role: answers.get(role, default) for role in ROLES}


def test_every_url_is_in_the_matrix():
    # The Django admin is for staff accounts only (is_staff), tested with Django itself.
    names = {name for name in url_names() if not name.startswith("admin:")}
    in_matrix = {name for name, *_ in MATRIX}
    assert names - in_matrix == set(), f"Add to the matrix: {sorted(names - in_matrix)}"
    assert in_matrix - names == set(), f"Stale matrix rows: {sorted(in_matrix - names)}"
    for name, method, own, other in MATRIX:
        for spec in (own, other):
            assert None not in expectations(spec).values(), (name, method, spec)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module and test process: every test meets it as built (see
    ``built_once_per_module``); a world per row cost most of the matrix's time."""
    with built_once_per_module(django_db_blocker, _build_world) as built:
        yield built


def _build_world():
    own = make_organisation(
        name="Riverside Academy", organisation_type=OrganisationType.SCHOOL, area=Area.DURHAM
    )
    other = make_organisation(
        name="Darlington charity",
        organisation_type=OrganisationType.VOLUNTARY,
        area=Area.DARLINGTON,
    )
    users = {}
    for short, role in ROLES.items():
        users[("own", short)] = make_member(own, role, username=f"own-{short}")
        users[("other", short)] = make_member(other, role, username=f"other-{short}")
    ref, coord, chair = users[("own", "ref")], users[("own", "coord")], users[("own", "chair")]
    case = case_ready_for_delivery(ref, coord, chair)
    referral = case.referrals.get()
    decision = PanelDecision.objects.get(case=case)
    from cases.models import PanelAction
    from cases.services import note_add

    action = PanelAction.objects.create(
        decision=decision, description="Call", owner=coord, due_date=datetime.date(2027, 1, 1)
    )
    closed_meeting = panel_meeting(coord, chair, [users[("own", "pm")]])
    meeting_close(actor=chair, meeting=closed_meeting)
    scheduled_meeting = panel_meeting(coord, chair, [users[("own", "pm")]], start=False)
    intervention = make_intervention(own)
    allocation = allocation_create(
        actor=ref, case=case, intervention=intervention, request="Mentor"
    )
    # An allocation in each state a transition starts from, each on its own catalogue entry.
    allocations = {"proposed": allocation}
    for state, steps in (
        ("offered", [(ref, "offer")]),
        ("accepted", [(ref, "offer"), (users[("own", "prov")], "accept")]),
        (
            "active",
            [(ref, "offer"), (users[("own", "prov")], "accept"), (users[("own", "prov")], "start")],
        ),
    ):
        held = allocation_create(
            actor=ref,
            case=case,
            intervention=make_intervention(own, name=f"Mentoring {state}"),
            request="Mentor",
        )
        for actor, step in steps:
            if step == "offer":
                held = allocation_offer(actor=actor, allocation=held)
            else:
                held = allocation_transition(actor=actor, allocation=held, action=step)
        allocations[state] = held
    basis = lawful_basis_record(
        actor=ref,
        referral=referral,
        purpose="assessment",
        ground="child-safeguarding",
        justification="Safeguarding concern needing assessment now.",
    )
    approved_basis = lawful_basis_decide(
        actor=coord,
        lawful_basis=lawful_basis_record(
            actor=ref,
            referral=referral,
            purpose="panel_discussion",
            ground="child-safeguarding",
            justification="Safeguarding concern needing a panel now.",
        ),
        approve=True,
    )
    # Referrals of the same person in the states the referral operations start from.
    # Another person, so the case's person keeps the consent its allocations depend on.
    person = make_person(ref, given_name="Riley", family_name="Dixon")
    draft = make_referral(ref, person=person)
    give_consent(ref, draft)
    submitted = submitted_referral(ref, person=person)
    waiting = accepted_referral(ref, coord, person=person)
    returned = referral_screen(
        actor=coord,
        referral=submitted_referral(ref, person=person),
        outcome="returned",
        questions="Which school does he attend?",
    )
    # Someone outside the matrix breaks the glass (for a flag to review) and holds a token.
    bystander = make_member(other, Role.REFERRER, username="bystander")
    PanelAttendance.objects.create(
        meeting=decision.meeting, user=users[("own", "pm")], organisation=own
    )
    break_glass(
        actor=bystander,
        person=referral.person,
        reason="Checking a reported threat tonight",
    )
    token, _ = api_token_issue(user=bystander)
    # A job of the routine that has spent its attempts, for the administrators' jobs page.
    failed = failed_job("prune_sessions")
    # A victim's domestic abuse referral, submitted, with a Dash record, a linked
    # perpetrator and a MARAC referral; a second perpetrator the referrer recorded.
    victim = make_person(ref, given_name="Dana", family_name="Reid", date_of_birth=years_ago(30))
    da_referral = submitted_referral(
        ref,
        person=victim,
        pathway="da_knife_repeat",
        domestic_abuse_incident=True,
        knife_or_sharp_instrument=True,
        domestic_abuse_role="victim",
        previous_incident_date=timezone.localdate() - datetime.timedelta(days=60),
        previous_incident_source="Police log DUR/26/0042",
        risk_factors=["domestic_abuse_history"],
    )
    dash_record(
        actor=ref, referral=da_referral, checklist="safelives_ric_2009", answers=["yes"] * 24
    )
    perpetrator = make_person(
        ref, given_name="Sam", family_name="Hale", date_of_birth=datetime.date(1990, 1, 2)
    )
    second_perpetrator = make_person(
        ref, given_name="Lee", family_name="Moss", date_of_birth=datetime.date(1988, 3, 4)
    )
    link = perpetrator_link(actor=ref, referral=da_referral, perpetrator_id=perpetrator.pk)
    marac = marac_refer(actor=ref, referral=da_referral, link_id=link.pk)
    hold = legal_hold_place(
        actor=users[("own", "ig")], person=referral.person, reason="Civil claim pending"
    )
    # Each user's web session, signed in once (past the second factor): signing in for
    # each request was four tenths of the matrix's time. A request starts from the session
    # as made here, whatever the one before did to it (that was rolled back).
    sessions = {}
    for user in users.values():
        client = VerifiedClient()
        client.force_login(user)
        sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return type(
        "World",
        (),
        {
            "own": own,
            "other": other,
            "users": users,
            "sessions": sessions,
            "case": case,
            "referral": referral,
            "person": referral.person,
            "decision": decision,
            "action": action,
            "meeting": decision.meeting,
            "closed_meeting": closed_meeting,
            "scheduled_meeting": scheduled_meeting,
            "allocations": allocations,
            "approved_basis": approved_basis,
            "draft": draft,
            "submitted": submitted,
            "waiting": waiting,
            "returned": returned,
            "intervention": intervention,
            "allocation": allocation,
            "basis": basis,
            "share": case.shares.first(),
            "note": note_add(actor=ref, case=case, text="Visited"),
            "membership": Membership.objects.get(user=users[("other", "ref")]),
            "flag": ReviewFlag.objects.get(),
            "token": token,
            "failed_job": failed,
            "hold": hold,
            "agreement": InformationSharingAgreement.objects.get(organisation=own),
            "approval": outside_agreement_approve(
                actor=users[("own", "ig")],
                discloser=own,
                recipient=other,
                person=referral.person,
                purpose="assessment",
                data_categories=["identity"],
                reason="Urgent assessment",
                valid_until=timezone.localdate(),
            ),
            "da_referral": da_referral,
            "second_perpetrator": second_perpetrator,
            "link": link,
            "marac": marac,
            "returned_notice": Notification.objects.get(
                recipient=ref, kind="referral_returned", subject_id=str(returned.pk)
            ),
        },
    )


def _call(world, name, method, user):
    # The world's user objects outlive a test: each request gets its own copy of the user, as
    # a request always did, so nothing a request caches on it reaches the next.
    user = type(user).objects.get(pk=user.pk)
    kwargs_of, body = REQUESTS.get((name, method)) or REQUESTS.get(name, (None, {}))
    url = reverse(name, kwargs=kwargs_of(world) if kwargs_of else None)
    if callable(body):
        body = body(world)
    body = {k: (str(world.case.pk) if v == "CASE" else v) for k, v in body.items()}
    if name == "api:api-auth-token" and method == "DELETE":
        client, url = _api_client(world, name, method, user)
        return client.delete(url, body, format="json")
    if name == "api:api-auth-token":
        # Each from its own address, so the lockout per address stays out of the way.
        return APIClient(REMOTE_ADDR=f"10.0.0.{user.pk % 250}").post(
            url,
            {"username": user.username, "password": "correct horse battery staple"},
            format="json",
        )
    if name.startswith("api"):
        client = APIClient()
        client.force_authenticate(user=user)
        if name == "api:figure-measure-list" and method == "POST":
            # A CSV upload is multipart, not JSON.
            upload = SimpleUploadedFile("measures.csv", MEASURES_CSV, content_type="text/csv")
            return client.post(url, {"csv_file": upload}, format="multipart")
        if method == "GET":
            return client.get(url, body if name == "api:person-match" else GET_QUERIES.get(name))
        return getattr(client, method.lower())(url, body, format="json")
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[user.pk]
    if method == "GET":
        return client.get(url, GET_QUERIES.get(name))
    return client.post(url, body)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "own", "other"), MATRIX, ids=[f"{m} {n}" for n, m, *_ in MATRIX]
)
def test_the_matrix(world, name, method, own, other):
    outcomes = []
    for where, spec in (("own", own), ("other", other)):
        for role, expected in expectations(spec).items():
            # Each request meets the world as built: a success is undone before the next.
            with transaction.atomic():
                response = _call(world, name, method, world.users[(where, role)])
                transaction.set_rollback(True)
            if response.status_code != int(expected):
                outcomes.append(f"{where} {role}: expected {expected}, got {response.status_code}")
            outcomes += _undocumented(name, method, response)
    assert outcomes == [], f"{method} {name}: " + "; ".join(outcomes)


def _undocumented(name, method, response) -> list[str]:
    """Every status an API operation answered must be one its schema documents."""
    path = response.wsgi_request.path
    if not name.startswith("api:") or not path.startswith("/api/v1/"):
        return []
    if str(response.status_code) in documented_statuses(method, path):
        return []
    return [f"{response.status_code} is not documented for {method} {path}"]


# Permission before validation: each API write, sent an empty and a malformed body by the
# roles it refuses, must still answer the refusal (never a 400 or 415 that shows the body
# was read first). Roles refused with the same status on a row meet the same rule, so each
# row tries one of them per side and status, a different one from row to row (every role
# is tried across the matrix): every role on every row doubled the matrix's time.
# Writes whose record is named in the body (an allocation's case): the body is read for the
# id first, and a body without one has no record to refuse (404), a malformed one a 400.
RECORD_IN_THE_BODY = {("api:allocation-list", "POST")}
API_WRITES = [
    row
    for row in MATRIX
    if row[0].startswith("api:") and row[1] != "GET" and tuple(row[:2]) not in RECORD_IN_THE_BODY
]
MALFORMED = b'{"reason": ["unterminated'
# Refusals the row's body itself earns: another area's coordinator may arrange panels, but
# not the row's Durham panel; with no area in the body there is nothing to refuse yet.
REFUSED_FOR_THE_BODY = {("api:panel-list", "POST", "other", "coord")}


def _row_url(world, name, method) -> str:
    kwargs_of, _ = REQUESTS.get((name, method)) or REQUESTS.get(name, (None, {}))
    return reverse(name, kwargs=kwargs_of(world) if kwargs_of else None)


def _api_client(world, name, method, user) -> tuple[APIClient, str]:
    """An API client signed in as the user, and the row's URL. Revoking the token in use
    needs a token: one is issued to the user for the request."""
    user = type(user).objects.get(pk=user.pk)
    token = None
    if (name, method) == ("api:api-auth-token", "DELETE"):
        token, _ = api_token_issue(user=user)
    client = APIClient()
    client.force_authenticate(user=user, token=token)
    return client, _row_url(world, name, method)


def _call_with_raw_body(world, name, method, user, raw: bytes, **headers):
    client, url = _api_client(world, name, method, user)
    return client.generic(method, url, raw, content_type="application/json", **headers)


def _takes_an_idempotency_key(world, name, method) -> bool:
    _, operation = schema_operation(method, _row_url(world, name, method))
    return any(
        p["in"] == "header" and p["name"] == "Idempotency-Key"
        for p in operation.get("parameters", [])
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "own", "other"), API_WRITES, ids=[f"{m} {n}" for n, m, *_ in API_WRITES]
)
def test_refused_roles_are_refused_before_the_body_is_read(world, name, method, own, other):
    outcomes = []
    row = API_WRITES.index((name, method, own, other))
    for where, spec in (("own", own), ("other", other)):
        refused: dict[str, list[str]] = {}
        for role, expected in expectations(spec).items():
            if expected in ("403", "404") and (name, method, where, role) not in (
                REFUSED_FOR_THE_BODY
            ):
                refused.setdefault(expected, []).append(role)
        for expected, roles in refused.items():
            role = roles[row % len(roles)]
            bodies = [("empty", b"{}", {}), ("malformed", MALFORMED, {})]
            if _takes_an_idempotency_key(world, name, method):
                # A key is fingerprinted before the handler runs: from the bytes, unparsed.
                bodies.append(("malformed, keyed", MALFORMED, {"HTTP_IDEMPOTENCY_KEY": "k"}))
            for label, raw, headers in bodies:
                with transaction.atomic():
                    response = _call_with_raw_body(
                        world, name, method, world.users[(where, role)], raw, **headers
                    )
                    transaction.set_rollback(True)
                if response.status_code != int(expected):
                    outcomes.append(
                        f"{where} {role} {label}: expected {expected}, got {response.status_code}"
                    )
                outcomes += _undocumented(name, method, response)
    assert outcomes == [], f"{method} {name}: " + "; ".join(outcomes)


# An operation that takes no body (none in its schema: ``request=None``, a DELETE) refuses
# one naming fields, as a serializer refuses a field it does not know: a 400 naming each,
# after permission (the refused roles' answers above), with nothing written. Found from the
# schema, so a new operation without a body is tried as soon as the matrix has its row.
STRAY = b'{"stray": 1}'
STRAY_REFUSED = [
    {"code": "unknown_field", "detail": "This field is not accepted here.", "attr": "stray"}
]


def _rows_written() -> int:
    """Rows inserted, updated or deleted so far in this transaction, in every table but the
    audit trail's (reading a person's record writes its access event, body or no body)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_xact_user_tables WHERE relname <> %s",
            [AuditEvent._meta.db_table],
        )
        return cursor.fetchone()[0]


def _send_as_allowed(world, name, method, role, raw):
    """The answer to the row's request, sent with ``raw`` by an allowed user of the own
    organisation; the rows it wrote; and the audit events it wrote beyond reads (the world
    is as built again after)."""
    with transaction.atomic():
        client, url = _api_client(world, name, method, world.users[("own", role)])
        rows, events = _rows_written(), AuditEvent.objects.exclude(kind=EventKind.ACCESS).count()
        response = client.generic(method, url, raw, content_type="application/json")
        rows = _rows_written() - rows
        events = AuditEvent.objects.exclude(kind=EventKind.ACCESS).count() - events
        transaction.set_rollback(True)
    return response, rows, events


@pytest.mark.django_db
def test_operations_without_a_body_refuse_stray_fields_after_permission(world):
    without_a_body = {
        (method.upper(), path)
        for path, item in api_schema()["paths"].items()
        for method, operation in item.items()
        if method in ("post", "put", "patch", "delete") and "requestBody" not in operation
    }
    tried, outcomes = set(), []
    for name, method, own, _ in MATRIX:
        if not name.startswith("api:") or method == "GET":
            continue
        template, operation = schema_operation(method, _row_url(world, name, method))
        if "requestBody" in operation:
            continue
        tried.add((method, template))
        role, success = next((r, a) for r, a in expectations(own).items() if a.startswith("2"))
        refused, rows, events = _send_as_allowed(world, name, method, role, STRAY)
        if refused.status_code != 400 or refused.json()["errors"] != STRAY_REFUSED:
            outcomes.append(
                f"{method} {template} as {role}: {refused.status_code} {refused.content}"
            )
        if rows or events:
            outcomes.append(f"{method} {template}: {rows} rows, {events} events before the 400")
        # The same request with an empty body succeeds and writes: the probe sees writes.
        accepted, rows, _ = _send_as_allowed(world, name, method, role, b"{}")
        if accepted.status_code != int(success) or not rows:
            outcomes.append(f"{method} {template} with {{}}: {accepted.status_code}, {rows} rows")
    assert len(without_a_body) >= 9
    assert tried == without_a_body, f"Add matrix rows for {sorted(without_a_body - tried)}"
    assert outcomes == []
