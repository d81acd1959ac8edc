"""EMAIL_URL: the email settings in one variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.email_url import parse_email_url

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_smtp_with_starttls_and_an_encoded_password():
    assert parse_email_url("smtp://svp%40council.gov.uk:p%2Fss%3Aword@mail.example:587?tls=1") == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "mail.example",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "svp@council.gov.uk",
        "EMAIL_HOST_PASSWORD": "p/ss:word",
        "EMAIL_USE_SSL": False,
        "EMAIL_USE_TLS": True,
    }


def test_smtps_is_ssl_on_port_465_unless_told():
    settings = parse_email_url("smtps://user:secret@mail.example")
    assert (settings["EMAIL_PORT"], settings["EMAIL_USE_SSL"], settings["EMAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )


def test_development_backends():
    assert parse_email_url("console://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }
    assert parse_email_url("file:///var/spool/svp-mail") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/var/spool/svp-mail",
    }


@pytest.mark.parametrize("url", ["postgres://mail.example", "smtp://mail.example:port"])
def test_anything_else_is_refused(url):
    with pytest.raises(ImproperlyConfigured):
        parse_email_url(url)
