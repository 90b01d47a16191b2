"""Settings from the environment: bad values stop start-up; SQLite is set up for many writers."""

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from caresys.lib.env import envbool, envint

# The embedded default: no DATABASE_URL, so settings.py configures SQLite itself.
DEFAULT_SQLITE = (
    not settings.DATABASE_URL and settings.DATABASES["default"]["ENGINE"] == "caresys.lib.sqlite"
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("yes", True), (" TRUE ", True), ("on", True), ("0", False), ("no", False)],
)
def test_envbool_reads_the_usual_spellings_of_yes_and_no(monkeypatch, raw, expected):
    monkeypatch.setenv("CARESYS_TEST_FLAG", raw)
    assert envbool("CARESYS_TEST_FLAG", not expected) is expected


def test_envbool_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("CARESYS_TEST_FLAG", raising=False)
    assert envbool("CARESYS_TEST_FLAG", True) is True


def test_envbool_refuses_a_value_that_is_neither_yes_nor_no(monkeypatch):
    monkeypatch.setenv("CARESYS_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="CARESYS_TEST_FLAG"):
        envbool("CARESYS_TEST_FLAG", False)


def test_envint_reads_a_number(monkeypatch):
    monkeypatch.setenv("CARESYS_TEST_NUMBER", "3600")
    assert envint("CARESYS_TEST_NUMBER", 5) == 3600


def test_envint_falls_back_to_the_default_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("CARESYS_TEST_NUMBER", raising=False)
    assert envint("CARESYS_TEST_NUMBER", 5) == 5
    monkeypatch.setenv("CARESYS_TEST_NUMBER", "  ")
    assert envint("CARESYS_TEST_NUMBER", 5) == 5


def test_envint_refuses_a_value_that_is_not_a_whole_number(monkeypatch):
    monkeypatch.setenv("CARESYS_TEST_NUMBER", "12x")
    with pytest.raises(ImproperlyConfigured, match="CARESYS_TEST_NUMBER"):
        envint("CARESYS_TEST_NUMBER", 5)


@pytest.mark.skipif(not DEFAULT_SQLITE, reason="the SQLite options apply only without DATABASE_URL")
def test_sqlite_writers_take_the_lock_up_front_and_wait_for_each_other():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
