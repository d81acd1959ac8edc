from django.dispatch import Signal

# Sent inside the transaction that changed a referral's consent position, with ``referral``,
# ``actor``, ``lost`` (the purposes no longer permitted) and ``cause`` (a
# ``referrals.consent.LossCause``): whatever relies on a purpose (case shares, allocations, a
# referral waiting for panel) must follow at once.
permitted_purposes_changed = Signal()
