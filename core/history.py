"""Who made a change, and why, for django-simple-history."""

from core.actors import history_user


def with_history(instance, *, actor, reason: str):
    """Label the next save of ``instance`` in its history with the actor and the reason."""
    instance._history_user = history_user(actor)
    instance._change_reason = reason
    return instance
