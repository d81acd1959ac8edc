"""The shape every app's ``permissions.py`` takes: one rule per operation, asked two ways.

``can(actor, action, obj)`` answers a page deciding what to offer; ``require(actor, action,
obj)`` is what services and views enforce, raising ``PermissionDenied`` with the rule's
reason. Both read the same rule, so what a page offers and what the server allows cannot
drift apart. The system actor passes every rule: it acts only where code says it does.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.dispatch import Signal

from core.actors import is_system

Rule = Callable[..., bool]

# Sent with ``actor``, ``action`` and ``obj`` whenever ``require`` refuses, so the audit app
# (which core may not import) records the refused attempt against the person it was about.
refused = Signal()


class RuleBook:
    def __init__(self, app_label: str):
        self.app_label = app_label
        self._rules: dict[str, tuple[Rule, str]] = {}

    def rule(self, action: str, *, refusal: str):
        """Register ``predicate(actor, obj) -> bool`` as the one rule for ``action``."""

        def register(predicate: Rule) -> Rule:
            if action in self._rules:
                raise ValueError(f"{self.app_label}: a second rule for {action!r}")
            self._rules[action] = (predicate, refusal)
            return predicate

        return register

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(self._rules)

    def _rule(self, action: str) -> tuple[Rule, str]:
        try:
            return self._rules[action]
        except KeyError:
            raise LookupError(f"{self.app_label} has no rule for {action!r}") from None

    def can(self, actor, action: str, obj=None) -> bool:
        predicate, _ = self._rule(action)
        if actor is None:
            return False
        if is_system(actor):
            return True
        if not getattr(actor, "is_authenticated", False) or not actor.is_active:
            return False
        return bool(predicate(actor, obj))

    def require(self, actor, action: str, obj=None) -> None:
        _, refusal = self._rule(action)
        if not self.can(actor, action, obj):
            refused.send(sender=RuleBook, actor=actor, action=action, obj=obj)
            raise PermissionDenied(refusal)

    def allowed(self, actor, actions, obj=None) -> dict[str, bool]:
        """What a page may offer, for a template: ``{"share": True, ...}`` for the actions
        ``("case.share", ...)``, keyed by the verb after the last dot."""
        return {action.rsplit(".", 1)[-1]: self.can(actor, action, obj) for action in actions}
