import pytest
from django.db import connection
from procrastinate.contrib.django import app

# procrastinate's tables are not Django's to flush (its models are unmanaged), so a test
# that commits jobs clears them itself.
QUEUE_TABLES = (
    "procrastinate_periodic_defers",
    "procrastinate_events",
    "procrastinate_jobs",
    "procrastinate_workers",
)


def empty_queue() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(QUEUE_TABLES)}")


@pytest.fixture
def queue(transactional_db):
    """An empty queue before and after a test whose changes commit (a real worker)."""
    empty_queue()
    yield
    empty_queue()


def run_worker() -> None:
    """A real worker, in the test: it runs every job that is due, then stops. On its own
    psycopg connector, as ``manage.py procrastinate worker`` runs it (Django's connection
    hands JSON back as text, which procrastinate's job fetching does not expect)."""
    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
