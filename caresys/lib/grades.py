"""A school's grades and classes as a person writes them ('1-6', '2,2,3,2,2,2'): read by
manage.py setup_school and the installation registrar's form alike."""

import re

from django.utils.translation import gettext as _


def parse_grades(text: str) -> list[int]:
    """'1-6', '1,2,3', '7-9', '1-6,7' → the grades, each 1 to 9; ValueError says what is wrong."""
    grades: set[int] = set()
    for part in re.split(r"[,，、\s]+", text.strip()):
        if not part:
            continue
        match = re.fullmatch(r"([1-9])(?:[-~—至到]([1-9]))?", part)
        if not match:
            raise ValueError(
                _("年级“%(part)s”无法识别，请写成 1-6 或 7-9 或 1,2,3。") % {"part": part}
            )
        low, high = int(match[1]), int(match[2] or match[1])
        if high < low:
            raise ValueError(_("年级“%(part)s”前大后小，请写成 1-6。") % {"part": part})
        grades.update(range(low, high + 1))
    if not grades:
        raise ValueError(_("至少要有一个年级。"))
    return sorted(grades)


def parse_class_counts(text: str, grades: list[int]) -> dict[int, int]:
    """'2' (every grade) or '2,2,3,2,2,2' (one per grade, in order) → {grade: classes}."""
    counts = [part for part in re.split(r"[,，、\s]+", text.strip()) if part]
    if not counts or not all(part.isdigit() and 0 < int(part) <= 40 for part in counts):
        raise ValueError(
            _("班数“%(text)s”无法识别，请写一个 1 到 40 的数，或每个年级一个数。") % {"text": text}
        )
    if len(counts) == 1:
        counts *= len(grades)
    if len(counts) != len(grades):
        raise ValueError(
            _("写了 %(counts)d 个班数，但有 %(grades)d 个年级。")
            % {"counts": len(counts), "grades": len(grades)}
        )
    return dict(zip(grades, map(int, counts), strict=True))
