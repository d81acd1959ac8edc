"""REST endpoints of the intervention catalogue, allocations, contacts and outcomes.

Per-app REST views and serializers stay in the ``api`` package, organised per app: the API
layer depends on every domain app and on the platform (tokens, idempotency, the error
handler), so keeping it above the apps keeps the domain apps free of DRF and the dependency
arrows one-way. Each endpoint calls the same service and the same ``require`` as the web
page of its operation.
"""
