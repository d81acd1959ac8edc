"""Settings come from the environment, and production refuses to start without its keys."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.keys import generate_key, generate_secret_key, load_keys

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "SECRET_KEY": generate_secret_key(),
    "FIELD_ENCRYPTION_KEYS": f"{generate_key()},{generate_key()}",
    "BLIND_INDEX_KEY": generate_key(),
}


def manage_check(env_overrides: dict, tmp_path, *command) -> subprocess.CompletedProcess:
    unwanted = {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "DEBUG"}
    unwanted.add("DJANGO_ALLOW_ASYNC_UNSAFE")  # set by the browser tests' conftest
    env = {key: value for key, value in os.environ.items() if key not in unwanted}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        VAR_DIR=str(tmp_path / "var"),
        # Only parsed by `check`; never connected to.
        DATABASE_URL="postgres://nobody@127.0.0.1:1/unused",
        ALLOWED_HOSTS="svp.example",
        **env_overrides,
    )
    return subprocess.run(
        [sys.executable, *(command or ("manage.py", "check"))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "command",
    [
        ("-c", "import config.wsgi"),
        ("-c", "import config.asgi"),
        ("manage.py", "check", "--deploy"),
    ],
)
def test_production_refuses_to_start_without_keys(tmp_path, command):
    result = manage_check({"DEBUG": "0"}, tmp_path, *command)

    assert result.returncode != 0
    assert "Refusing to start with DEBUG off" in result.stderr
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        assert name in result.stderr
    assert not (tmp_path / "var" / "dev-keys.json").exists()


def test_commands_that_need_no_secret_run_without_them(tmp_path):
    """A reviewer's bare `makemigrations --check` works on any machine, keys or not."""
    result = manage_check(
        {"DEBUG": "0"}, tmp_path, "manage.py", "makemigrations", "--check", "--dry-run"
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_a_missing_key_is_refused_when_used(settings):
    from core.encryption import blind_index, seal

    settings.FIELD_ENCRYPTION_KEYS = []
    settings.BLIND_INDEX_KEY = b""
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS is not set"):
        seal("Quarrington")
    with pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_KEY is not set"):
        blind_index("person.nhs_number", "9434765919")


def test_production_starts_with_explicit_keys(tmp_path):
    result = manage_check({"DEBUG": "0", **GOOD}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_development_generates_keys_once_with_a_loud_warning(tmp_path):
    first = manage_check({"DEBUG": "1"}, tmp_path)
    second = manage_check({"DEBUG": "1"}, tmp_path)

    assert first.returncode == 0, first.stderr
    assert "DEVELOPMENT KEYS GENERATED" in first.stderr
    assert "DEVELOPMENT KEYS GENERATED" not in second.stderr
    stored = json.loads((tmp_path / "var" / "dev-keys.json").read_text())
    assert set(stored) == {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"}
    assert (tmp_path / "var" / "dev-keys.json").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"FIELD_ENCRYPTION_KEYS": "c2hvcnQ="}, "32 bytes"),
        ({"FIELD_ENCRYPTION_KEYS": "!!!not base64!!!"}, "32 bytes|base64"),
        ({"BLIND_INDEX_KEY": "c2hvcnQ="}, "32 bytes"),
        ({"SECRET_KEY": "django-insecure-" + "a" * 50}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ],
)
def test_production_refuses_weak_or_malformed_keys(tmp_path, overrides, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        load_keys(debug=False, var_dir=tmp_path, environ={**GOOD, **overrides})


def test_the_blind_index_key_must_differ_from_the_encryption_keys(tmp_path):
    key = generate_key()
    environ = {**GOOD, "FIELD_ENCRYPTION_KEYS": key, "BLIND_INDEX_KEY": key}
    with pytest.raises(ImproperlyConfigured, match="must differ"):
        load_keys(debug=False, var_dir=tmp_path, environ=environ)


def test_several_encryption_keys_are_read_newest_first(tmp_path):
    newest, older = generate_key(), generate_key()
    loaded = load_keys(
        debug=False,
        var_dir=tmp_path,
        environ={**GOOD, "FIELD_ENCRYPTION_KEYS": f"{newest}, {older}"},
    )
    assert loaded["FIELD_ENCRYPTION_KEYS"] == [
        base64.urlsafe_b64decode(newest),
        base64.urlsafe_b64decode(older),
    ]
