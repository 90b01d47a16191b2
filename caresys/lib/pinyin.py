"""Pinyin of Chinese names, for search by full pinyin ("wangxiaoming") and initials ("wxm")."""

from pypinyin import lazy_pinyin

# Surnames whose reading differs from the character's common reading.
_SURNAMES = {
    "曾": "zeng",
    "单": "shan",
    "仇": "qiu",
    "解": "xie",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "覃": "qin",
    "翟": "zhai",
    "乐": "yue",
    "盖": "ge",
    "缪": "miao",
    "尉": "yu",
    "长": "chang",
    "种": "chong",
    "黑": "he",
    "召": "shao",
    "秘": "bi",
}


def name_pinyin(name: str) -> tuple[str, str]:
    """('wangxiaoming', 'wxm') for '王小明'; non-Chinese characters pass through lower-cased."""
    name = "".join(name.split())
    if not name:
        return "", ""
    syllables = lazy_pinyin(name, errors=lambda chars: list(chars.lower()))
    if name[0] in _SURNAMES:
        syllables[0] = _SURNAMES[name[0]]
    full = "".join(syllables).lower()
    initials = "".join(syllable[0] for syllable in syllables if syllable).lower()
    return full, initials


def is_pinyin_query(query: str) -> bool:
    return query.isascii() and query.isalpha()
