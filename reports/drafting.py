"""Drafts of the summary's 三、取得的成绩 and 四、存在的问题 from its numbers: plain strings the
principal keeps, changes or drops. Each sentence carries its number; a problem is said once, in
a few sentences grouped by the work, not one line per shortfall."""

from django.utils.translation import gettext as _

from reports.numbers import Headline, TermNumbers


def _joined(parts: list[str]) -> str:
    return "，".join(parts)


def _guides_uneven(numbers: TermNumbers) -> str | None:
    """四导 given unevenly: every guide with fewer than a tenth of the records of the most
    given one is named, against those that have more."""
    guides = numbers.care.guides
    most = max((row.records for row in guides), default=0)
    if not most:
        return None
    weak = [row for row in guides if row.records < most / 10]
    strong = [row for row in guides if row not in weak]
    if not weak or not strong:
        return None
    weak_text = "、".join(
        _("%(label)s%(n)d条") % {"label": row.label, "n": row.records} for row in weak
    )
    strong_text = "、".join(
        _("%(label)s%(n)d条") % {"label": row.label, "n": row.records} for row in strong
    )
    return _("“四导”落实不均衡：%(weak)s，明显少于%(strong)s，要补上这些方面的关爱。") % {
        "weak": weak_text,
        "strong": strong_text,
    }


def _records_and_pairs(numbers: TermNumbers) -> str | None:
    archives, pairing, basic = numbers.archives, numbers.pairing, numbers.basic
    parts = []
    unfiled = archives.total - archives.filed
    if unfiled > 0:
        parts.append(_("%(n)d名留守儿童还没有建档") % {"n": unfiled})
    if archives.filed > archives.complete:
        parts.append(
            _("%(n)d份档案信息还不完整（完整率%(rate)s%%）")
            % {"n": archives.filed - archives.complete, "rate": archives.rate}
        )
    if basic.away > pairing.covered:
        parts.append(_("%(n)d名留守儿童还没有结对帮扶教师") % {"n": basic.away - pairing.covered})
    needy = numbers.needy
    if needy is not None and needy.children > needy.paired:
        parts.append(
            _("%(n)d名困境儿童（非留守）还没有结对帮扶教师") % {"n": needy.children - needy.paired}
        )
    if pairing.idle:
        parts.append(_("%(n)d个结对长期没有帮扶记录，存在流于形式的风险") % {"n": pairing.idle})
    if not parts:
        return None
    return _("建档和结对帮扶还有疏漏：%(parts)s。") % {"parts": _joined(parts)}


def _visits(numbers: TermNumbers) -> str | None:
    """Children not visited at home, and the classes they are in: one sentence."""
    if not numbers.care.not_visited:
        return None
    below = numbers.classes_below_quota
    if not below:
        return _("家访还没有全覆盖：本学期尚有%(n)d名留守儿童没有家访。") % {
            "n": numbers.care.not_visited
        }
    listed = "、".join(
        _("%(label)s%(n)s人") % {"label": row.label, "n": row.children - row.visited}
        for row in below[:6]
    )
    return _(
        "家访还没有全覆盖：本学期尚有%(n)d名留守儿童没有家访，分布在%(classes)d个班"
        "（%(listed)s%(more)s）。"
    ) % {
        "n": numbers.care.not_visited,
        "classes": len(below),
        "listed": listed,
        "more": _("等") if len(below) > 6 else "",
    }


def _safety(numbers: TermNumbers) -> str | None:
    safety = numbers.safety
    parts = []
    if safety.emergencies_open:
        parts.append(_("%(n)d起突发事件尚未处置完毕") % {"n": safety.emergencies_open})
    if safety.dropout_open:
        parts.append(_("%(n)d名学生仍在控辍保学跟进中") % {"n": safety.dropout_open})
    if safety.flagged_unwatched:
        parts.append(
            _("%(n)d名学生档案标为辍学，但未纳入控辍保学监控，需核实")
            % {"n": safety.flagged_unwatched}
        )
    if not parts:
        return None
    return _("安全和控辍保学仍需跟进：%(parts)s。") % {"parts": _joined(parts)}


def problem_sentences(numbers: TermNumbers) -> list[str]:
    """四、存在的问题, drafted from the numbers: a sentence for each area of the work that falls
    short, with its numbers; none when nothing does."""
    drafted = (
        _records_and_pairs(numbers),
        _visits(numbers),
        _guides_uneven(numbers),
        _safety(numbers),
    )
    return [sentence for sentence in drafted if sentence]


def problems_text(numbers: TermNumbers) -> str:
    """四、存在的问题 as the principal starts from: the drafted sentences, numbered."""
    sentences = numbers.problems or [_("本学期暂未发现突出问题。")]
    return "\n".join(f"{index}、{text}" for index, text in enumerate(sentences, 1))


def _change(now: float | None, before: float | None, unit: str) -> str:
    """ "，比上学期（49.0%）有所提高" and the like; empty unless it rose from something."""
    if not before or now is None or now <= before:
        return ""  # nothing to compare with (or nothing recorded then), or nothing rose
    return _("，比上学期（%(before)s%(unit)s）有所提高") % {"before": before, "unit": unit}


def achievements_text(numbers: TermNumbers) -> str:
    """三、取得的成绩, drafted from the numbers and, where there is one, the last term's: what the
    data shows was achieved, a paragraph each for 建档结对, 联系 and 安全."""
    now: Headline = numbers.headline
    before: Headline | None = numbers.previous
    paragraphs = []

    first = []
    archives = numbers.archives
    if archives.total and archives.filing_rate == 100:
        first.append(
            _("全校%(n)d名留守儿童全部建立了档案和联系卡，建档率100%%") % {"n": archives.total}
        )
    if now.coverage:
        first.append(
            _("结对帮扶覆盖留守儿童%(n)d人，覆盖率%(rate)s%%")
            % {"n": numbers.pairing.covered, "rate": now.coverage}
            + _change(now.coverage, before and before.coverage, "%")
        )
    if first:
        paragraphs.append(_joined(first) + "。")

    second = []
    if now.visited:
        second.append(
            _("本学期家访留守儿童%(n)d人，占%(share)s%%，人均家访%(per)s次")
            % {"n": now.visited, "share": now.visited_share, "per": now.visits_per_child}
            + _change(now.visits_per_child, before and before.visits_per_child, _("次"))
        )
    if now.family_calls:
        second.append(
            _("组织亲情电话%(calls)d次，%(n)d名留守儿童与在外父母通了电话")
            % {"calls": now.family_calls, "n": now.called}
            + _change(now.called, before and before.called, _("人"))
        )
    if second:
        paragraphs.append(_joined(second) + _("，家校联系更加紧密。"))

    third = []
    if now.emergencies == 0:
        third.append(_("本学期未发生突发事件"))
    elif numbers.safety.emergencies_closed == now.emergencies:
        third.append(_("本学期发生的%(n)d起突发事件均已按三步处置完毕") % {"n": now.emergencies})
    if now.dropped_out == 0:
        third.append(_("没有学生辍学"))
    if numbers.safety.dropout_returned:
        third.append(_("劝返复学%(n)d人") % {"n": numbers.safety.dropout_returned})
    if third:
        paragraphs.append(_joined(third) + "。")

    if before is not None and before.emergencies and now.emergencies < before.emergencies:
        paragraphs.append(
            _("突发事件由上学期的%(before)d起减少到%(now)d起。")
            % {"before": before.emergencies, "now": now.emergencies}
        )
    return "\n".join(paragraphs)
