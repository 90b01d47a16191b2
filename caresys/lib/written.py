"""How a document sent to the education office writes dates, class names and money (the
公文 habits): 2026年11月30日, 一年级（1）班, 1.5万元."""

import datetime
import re
from decimal import Decimal

# A class name as the registry stores it, "三年级(1)班"; the document writes full-width brackets.
_CLASS_BRACKETS = re.compile(r"\((\d{1,2})\)(?=班)")


def chinese_date(day: datetime.date | str | None) -> str:
    """2026年11月30日 (no leading zeros); an ISO string is read first; "" for none."""
    if not day:
        return ""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return f"{day.year}年{day.month}月{day.day}日"


def full_width_brackets(text: str) -> str:
    """Class names in the text with full-width brackets: 一年级(1)班 → 一年级（1）班."""
    return _CLASS_BRACKETS.sub(r"（\1）", text)


def _plain(number: Decimal) -> str:
    """A decimal without trailing zeros: 500.00 → 500, 1.50 → 1.5."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def yuan_in_prose(amount: Decimal | int | float | str) -> str:
    """Money as prose writes it: 万元 from ten thousand up (1.5万元, 12.35万元), else 元."""
    amount = Decimal(str(amount))
    if abs(amount) >= 10000:
        return f"{_plain((amount / 10000).quantize(Decimal('0.01')))}万元"
    return f"{_plain(amount.quantize(Decimal('0.01')))}元"
