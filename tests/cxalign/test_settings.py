"""Settings come from the environment; production refuses to start without a secret key.

Settings are read once per process, so each case runs Django in a fresh interpreter with a
controlled environment.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "x9Qz7LmN2pR5tV8wY1bC4dF6gH0jK3" * 2

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "csrf": settings.CSRF_TRUSTED_ORIGINS,
    "tz": settings.TIME_ZONE,
}))
"""


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "DJANGO",
                "DATABASE",
                "REDIS",
                "SECRET",
                "DEBUG",
                "ALLOWED",
                "CSRF",
                "SECURE",
                "CELERY",
            )
        )
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "cxalign.settings", **env})
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed code.
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_django(PRINT_SETTINGS, DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_embedded_default_is_sqlite_eager_celery_and_local_cache():
    result = run_django(PRINT_SETTINGS, DEBUG="1")
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed["engine"] == "django.db.backends.sqlite3"
    assert parsed["db_name"].endswith("var/cxalign.sqlite3")
    assert parsed["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert parsed["eager"] is True
    assert parsed["tz"] == "UTC"
    assert "127.0.0.1" in parsed["hosts"]


def test_production_reads_database_redis_and_hosts_from_environment():
    result = run_django(
        PRINT_SETTINGS,
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL="postgres://app:pw@db.internal:5432/cxalign",
        REDIS_URL="redis://cache.internal:6379/2",
        ALLOWED_HOSTS="cx.example.com,api.example.com",
        CSRF_TRUSTED_ORIGINS="https://cx.example.com",
    )
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed["engine"] == "django.db.backends.postgresql"
    assert parsed["db_name"] == "cxalign"
    assert parsed["cache"] == "cxalign.cache.ForgivingRedisCache"
    assert parsed["eager"] is False
    assert parsed["broker"] == "redis://cache.internal:6379/2"
    assert parsed["debug"] is False
    assert parsed["hosts"] == ["cx.example.com", "api.example.com"]
    assert parsed["csrf"] == ["https://cx.example.com"]


def test_production_profile_passes_check_deploy_without_warnings():
    code = (
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    result = run_django(code, DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="cx.example.com")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_no_missing_migrations():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
