"""Comparing two term summaries line by line: a version sent to the education office beside a
later version, or beside what the data says now. Both are rendered from the numbers and texts
they hold, so the comparison reads like the documents themselves."""

import difflib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.html import escape
from django.utils.safestring import mark_safe

# Elements that end a line of the document's text; table cells are joined with " | ".
BLOCKS = frozenset({"p", "h1", "h2", "h3", "li", "tr", "div", "table", "br"})
CELLS = frozenset({"td", "th"})


class _TextLines(HTMLParser):
    """The visible text of a document, one line per paragraph, heading or table row; charts
    (SVG), styles and the head are left out: their numbers are in the text and tables."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._line: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("svg", "style", "head", "script"):
            self._skip += 1
        elif tag in CELLS and self._line:
            self._line.append(" | ")
        elif tag in BLOCKS:
            self._end_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "style", "head", "script"):
            self._skip -= 1
        elif tag in BLOCKS:
            self._end_line()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._line.append(data)

    def _end_line(self) -> None:
        line = " ".join("".join(self._line).split())
        if line.strip(" |"):
            self.lines.append(line)
        self._line = []


def text_lines(html: str) -> list[str]:
    parser = _TextLines()
    parser.feed(html)
    parser.close()
    parser._end_line()
    return parser.lines


@dataclass
class Change:
    before: list[str]  # the lines of the older document that changed (may be empty)
    after: list[str]  # what stands there in the newer one (may be empty)


def changes(before_html: str, after_html: str) -> list[Change]:
    """The lines that differ, in the documents' order; equal lines are left out."""
    before, after = text_lines(before_html), text_lines(after_html)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return [
        Change(before[i1:i2], after[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


TOKENS = re.compile(r"\d+(?:\.\d+)?|\s+|.", re.DOTALL)


def marked(before: str, after: str) -> tuple[str, str]:
    """Both lines as HTML with what differs in <mark>: numbers compare whole, so 812 → 815
    marks the number rather than its last digit."""
    a, b = TOKENS.findall(before), TOKENS.findall(after)
    left, right = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        old, new = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if tag == "equal":
            left.append(old)
            right.append(new)
        else:
            left.append(f"<mark>{old}</mark>" if old else "")
            right.append(f"<mark>{new}</mark>" if new else "")
    return mark_safe("".join(left)), mark_safe("".join(right))


def rows(found: list[Change]) -> list[tuple[str, str]]:
    """Side-by-side rows for the page: a changed line beside its counterpart, marked."""
    result = []
    for change in found:
        for index in range(max(len(change.before), len(change.after))):
            old = change.before[index] if index < len(change.before) else ""
            new = change.after[index] if index < len(change.after) else ""
            result.append(marked(old, new) if old and new else (escape(old), escape(new)))
    return result
