"""The generated versions of a school's term summary and of a roll-up are one abstract model
(caresys.lib.documents.GeneratedVersion): folding them changed no table."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_need_no_new_migration():
    out = io.StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # SystemExit(1) if any

    assert "No changes detected" in out.getvalue()
