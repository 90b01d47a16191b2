"""A password validator against the guesses tried first at a Chinese school: its name, the
site's name, the username, and the passwords most common in China, with or without a year."""

import re
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from caresys.lib.pinyin import name_pinyin

SITE_NAMES = ("关爱通", "caresys", "guanaitong")
# The passwords leaked most often in China, whole.
COMMON_PASSWORDS = frozenset(
    {
        "123456", "123456789", "12345678", "1234567890", "111111", "000000", "888888",
        "666666", "123123", "112233", "5201314", "1314520", "147258369", "147258", "159357",
        "a123456", "a123456789", "aa123456", "abc123456", "qq123456", "woaini1314",
        "1qaz2wsx", "1q2w3e4r", "zxcvbnm", "qwerty", "qwe123", "iloveyou", "password",
    }
)  # fmt: skip
# The words of common passwords: with digits or a year around them they are as easily guessed.
COMMON_WORDS = frozenset(
    {
        "a", "aa", "abc", "qq", "woaini", "wohenni", "iloveyou", "qaz", "qazwsx", "qwe",
        "qwer", "qwert", "qwerty", "qweasd", "asd", "asdf", "asdfgh", "zxc", "zxcvbn",
        "zxcvbnm", "password", "passwd", "pass", "mima", "admin", "root", "test", "user",
        "teacher", "laoshi", "school", "xuexiao", "xiaoxue", "zhongxue",
    }
)  # fmt: skip
# What is left of a password once the names it contains are taken out must be this long.
SHORTEST_REST = 4


def _letters(text: str) -> str:
    """The password without digits, punctuation and spaces, lower-cased: its guessable core."""
    return re.sub(r"[\d\W_]+", "", text.lower())


class GuessablePasswordValidator:
    """Refuses a password built on the school's name, the site's name or the username, or on
    a common password, whatever digits (a year, 123) or symbols are added around it."""

    def _names(self, user) -> list[str]:
        names = [*SITE_NAMES]
        if user is not None:
            names.append(getattr(user, "username", "") or "")
            school = getattr(user, "school", None) if getattr(user, "school_id", None) else None
            if school is not None:
                names.append(school.name)
                names.extend(name_pinyin(school.name))
        return [name.lower() for name in names if len(name) >= 2]

    def validate(self, password: str, user=None) -> None:
        text = password.strip().lower()
        core = _letters(text)
        if text in COMMON_PASSWORDS or not core or core in COMMON_WORDS:
            raise ValidationError(
                _("这个密码太常见，很容易被猜到。请换一个不含常见数字串和单词的密码。"),
                code="password_too_common_cn",
            )
        rest = text
        for name in sorted(self._names(user), key=len, reverse=True):
            rest = rest.replace(name, "")
        name_cores = [_letters(name) for name in self._names(user)]
        if len(_letters(rest)) < SHORTEST_REST or any(
            len(core) >= 3 and core in name for name in name_cores
        ):
            raise ValidationError(
                _("密码不能以学校名称、本站名称（关爱通）或用户名为主，加上年份或数字也不行。"),
                code="password_contains_names",
            )

    def get_help_text(self) -> str:
        return _("密码不能是常见密码，也不能以学校名称、本站名称或用户名为主。")


# Letters and digits a teacher copies from paper without confusing them: no 0/O/o, 1/l/I.
_READABLE = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def initial_password(length: int = 8) -> str:
    """A random one-time password, readable from a printed slip (about 46 bits for 8)."""
    while True:
        password = "".join(secrets.choice(_READABLE) for _ in range(length))
        # A letter and a digit, so that it passes the validators a person's own password does.
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password
