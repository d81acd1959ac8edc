"""Who acts when nobody signed in does: the system itself.

Services take an ``actor``. A person is a ``User``; jobs, migrations, the demo seeder and
consent-driven cascades act as ``SYSTEM``, named explicitly, so that ``None`` can never
slip through as a silent "skip the permission check".
"""


class SystemActor:
    """The service acting on its own account. It holds no role and is never a request."""

    is_authenticated = True
    is_active = True
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "the system"

    def __bool__(self) -> bool:
        return True


SYSTEM = SystemActor()


def is_system(actor) -> bool:
    return actor is SYSTEM


def history_user(actor):
    """The user django-simple-history records for a change: nobody for the system."""
    if actor is None:
        raise TypeError("A change needs an actor: a user, or core.actors.SYSTEM")
    return None if actor is SYSTEM else actor
