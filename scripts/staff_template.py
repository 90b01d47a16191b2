"""Writes fixtures/教职工名册模板.xlsx, the blank staff list the import page offers.

DEBUG=1 .venv/bin/python scripts/staff_template.py
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caresys.settings")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from registry.resources import write_staff_template  # noqa: E402

if __name__ == "__main__":
    target = ROOT / "fixtures" / "教职工名册模板.xlsx"
    target.parent.mkdir(exist_ok=True)
    with translation.override("zh-hans"):
        write_staff_template(target)
    print(target)
