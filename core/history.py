"""Who made a change, and why, for django-simple-history; and its manager, made once."""

from simple_history.manager import HistoryDescriptor

from core.actors import history_user


def with_history(instance, *, actor, reason: str):
    """Label the next save of ``instance`` in its history with the actor and the reason."""
    instance._history_user = history_user(actor)
    instance._change_reason = reason
    return instance


class _OneManagerClass(HistoryDescriptor):
    """simple-history's ``Model.history``, with the manager class made once. Its own makes a
    new class on every access (``Manager.from_queryset``, ``inspect.getmembers`` over the
    queryset's methods, about 0.25 ms), and it is asked once for each history row saved."""

    def __init__(self, descriptor: HistoryDescriptor):
        super().__init__(
            descriptor.model,
            manager=descriptor.manager_class,
            queryset=descriptor.queryset_class,
        )
        self.made = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self.made(self.model, instance)


def make_history_managers_once(models) -> None:
    """Put ``_OneManagerClass`` in place of each model's history descriptor (at start-up,
    once every model is prepared)."""
    for model in models:
        name = getattr(model._meta, "simple_history_manager_attribute", None)
        descriptor = vars(model).get(name) if name else None
        if type(descriptor) is HistoryDescriptor:
            setattr(model, name, _OneManagerClass(descriptor))
