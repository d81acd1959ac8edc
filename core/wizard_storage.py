"""Where a multi-step question flow (django-formtools) keeps its answers between pages.

The answers are personal data (a narrative, a date of birth's consequences, consent), and
the session table is a database table like any other: they are sealed with the field keys
(``core.encryption``) before they reach it, as every other column of personal data is.
"""

import json

from formtools.wizard.storage.base import BaseStorage

from core.encryption import DecryptionError, open_sealed, seal


class SealedSessionStorage(BaseStorage):
    """``formtools``' session storage, sealed: read once per request, sealed again when the
    response leaves (formtools calls ``update_response`` at the end of every request)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._data = None
        sealed = self.request.session.get(self.prefix)
        if sealed:
            try:
                self._data = json.loads(open_sealed(sealed))
            except (DecryptionError, ValueError):
                # A key retired since, or a value from before sealing: start again.
                self._data = None
        if self._data is None:
            self.init_data()

    def _get_data(self):
        return self._data

    def _set_data(self, value):
        self._data = value

    data = property(_get_data, _set_data)

    def update_response(self, response):
        self.request.session[self.prefix] = seal(json.dumps(self._data))
        super().update_response(response)
