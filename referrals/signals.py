from django.dispatch import Signal

# Sent inside the transaction that changed a referral's consent position, with ``referral``
# and ``actor``: whatever relies on a purpose (case shares, allocations) must follow at once.
permitted_purposes_changed = Signal()
