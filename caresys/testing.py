"""Loaded by pytest (`-p caresys.testing` in pyproject) before Django reads its settings: the
tests run with the development settings unless the environment says otherwise."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("CARESYS_TASKS_IMMEDIATE", "1")
