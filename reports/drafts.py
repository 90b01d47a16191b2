"""二、主要工作措施 drafted from the data as texts the principal keeps, changes or drops: a
measure with nothing to report is left out of the draft, or says so where its absence matters
(本学期未发生突发事件). The numbers the principal typed are checked against a fresh draft."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caresys.lib.written import yuan_in_prose
from reports.numbers import TermNumbers, TypicalCase

# The measures after （一）加强领导，健全机制 (the leading group, its own field), in the order of
# the schools' own summaries. Headings are numbered when printed, over the sections kept.
SECTIONS = (
    ("archives", gettext_lazy("建立档案和联系卡")),
    ("pairing", gettext_lazy("结对帮扶")),
    ("talks", gettext_lazy("谈心和家访")),
    ("calls", gettext_lazy("亲情电话")),
    ("meetings", gettext_lazy("座谈会和家长会")),
    ("mind", gettext_lazy("心理关爱")),
    ("safety", gettext_lazy("安全和应急")),
    ("safety_education", gettext_lazy("安全教育和责任书")),
    ("assistance", gettext_lazy("资助帮扶")),
    ("activities", gettext_lazy("关爱活动")),
    ("inspection", gettext_lazy("检查考核")),
    ("case", gettext_lazy("典型案例")),
)
HEADINGS = dict(SECTIONS)
NUMERALS = "一二三四五六七八九十"


def numbered(index: int) -> str:
    """（一）…（十）, then （十一）…: the headings' order numbers, from 1."""
    if index <= 10:
        return NUMERALS[index - 1]
    tens, ones = divmod(index, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def _archives(n: TermNumbers) -> str:
    a = n.archives
    if not a.total:
        return ""
    return _(
        "为留守儿童建立档案和联系卡，共建档%(filed)d份，建档率%(filing_rate)s%%；"
        "其中信息完整%(complete)d份，完整率%(rate)s%%。"
    ) % {
        "filed": a.filed,
        "filing_rate": a.filing_rate,
        "complete": a.complete,
        "rate": a.rate,
    }


def _pairing(n: TermNumbers) -> str:
    p = n.pairing
    text = ""
    if p.teacher_pairs:
        text = _(
            "%(teachers)d名教师担任代理家长，与留守儿童结成帮扶对子%(pairs)d对，"
            "覆盖留守儿童%(covered)d人，覆盖率%(coverage)s%%"
        ) % {
            "teachers": p.teachers,
            "pairs": p.teacher_pairs,
            "covered": p.covered,
            "coverage": p.coverage,
        }
        if p.formed_in_term:
            text += _("；本学期新结对%(n)d对") % {"n": p.formed_in_term}
        text += "。"
    others = []
    if p.buddies:
        others.append(_("手拉手好朋友%(n)d对") % {"n": p.buddies})
    if p.volunteers:
        others.append(_("社会志愿者结对%(n)d对") % {"n": p.volunteers})
    if others:
        text += (_("另有") if text else _("结成")) + "、".join(others) + "。"
    if p.school_checks is None:  # a version stored before the checks were told apart
        if p.checks:
            text += _("学校对结对帮扶检查%(n)d次。") % {"n": p.checks}
    elif p.school_checks or p.own_checks:
        text += _("学校领导检查结对帮扶%(n)d次，帮扶教师自查%(own)d次。") % {
            "n": p.school_checks,
            "own": p.own_checks,
        }
    return text


def _talks(n: TermNumbers) -> str:
    kinds, care = n.care.by_kind, n.care
    talk, visit = kinds.get("talk"), kinds.get("home_visit")
    text = ""
    if talk and talk.records:
        text += _("本学期教师与留守儿童谈心%(n)d次，涉及%(children)d人。") % {
            "n": talk.records,
            "children": talk.children,
        }
    if visit and visit.records:
        text += _("家访%(n)d次，家访留守儿童%(children)d人") % {
            "n": visit.records,
            "children": visit.children,
        }
        if care.not_visited:
            text += _("，尚有%(n)d人未家访") % {"n": care.not_visited}
        text += "。"
    if care.watch_events:
        text += _("登记“五必访”%(n)d次") % {"n": care.watch_events}
        if care.watch_answered == care.watch_events:
            text += _("，均已回应。")
        elif care.watch_answered:
            text += _("，已回应%(n)d次。") % {"n": care.watch_answered}
        else:
            text += "。"
    return text


def _kinds_said(n: TermNumbers, clauses: list[tuple[str, str]], joiner: str = "；") -> str:
    """A sentence of one clause per kind of record that has any: (kind, text with %(n)d for
    its records and %(children)d for the children reached); "" when none has any."""
    kinds = n.care.by_kind
    parts = [
        text % {"n": row.records, "children": row.children}
        for kind, text in clauses
        if (row := kinds.get(kind)) and row.records
    ]
    return joiner.join(parts) + "。" if parts else ""


def _calls(n: TermNumbers) -> str:
    return _kinds_said(
        n,
        [
            ("family_call", _("组织留守儿童与在外父母通亲情电话%(n)d次，涉及%(children)d人")),
            ("phone_visit", _("教师电话家访%(n)d次")),
        ],
    )


def _meetings(n: TermNumbers) -> str:
    return _kinds_said(
        n,
        [
            ("symposium", _("召开帮扶教师、留守儿童和监护人座谈会%(n)d次")),
            ("parent_meeting", _("召开家长会%(n)d次")),
        ],
        joiner="，",
    )


def _mind(n: TermNumbers) -> str:
    return _kinds_said(
        n,
        [
            ("counselling", _("心理老师开展个别心理辅导%(n)d次，涉及%(children)d人")),
            ("diary", _("教师记录成长日记%(n)d篇")),
            ("tutoring", _("学习辅导%(n)d次")),
        ],
    )


def _safety(n: TermNumbers) -> str:
    s = n.safety
    if s.emergencies:
        text = _(
            "按“班主任和校长立即处置、第一时间联系在外父母、报告教育办和当地政府”三步"
            "处置突发事件%(n)d起，已处置完毕%(closed)d起。"
        ) % {"n": s.emergencies, "closed": s.emergencies_closed}
    else:
        # Its absence matters: the education office reads it as the term's safety record.
        text = _("本学期未发生突发事件。")
    if s.dropout_cases:
        parts = [_("控辍保学监控%(n)d人") % {"n": s.dropout_cases}]
        if s.dropout_returned:
            parts.append(_("劝返复学%(n)d人") % {"n": s.dropout_returned})
        if s.dropout_open:
            parts.append(_("仍在跟进%(n)d人") % {"n": s.dropout_open})
        text += "，".join(parts) + "。"
        if s.dropped_out is not None:
            text += _("截至统计日，辍学未返校%(n)d人。") % {"n": s.dropped_out}
    return text


def _assistance(n: TermNumbers) -> str:
    care = n.care
    if not care.assistance_people:
        return ""
    records = care.by_kind.get("assistance")
    text = _("资助留守儿童%(people)d人，发放资助%(records)d次，金额合计%(amount)s") % {
        "people": care.assistance_people,
        "records": records.records if records else 0,
        "amount": yuan_in_prose(care.assistance_amount),
    }
    programmes = [
        _("%(label)s%(children)d人、%(amount)s")
        % {"label": row.label, "children": row.children, "amount": yuan_in_prose(row.amount)}
        for row in care.programmes or []
    ]
    if programmes:
        text += _("，其中") + "；".join(programmes)
    return text + "。"


def _activities(n: TermNumbers) -> str:
    activity = n.care.by_kind.get("activity")
    if not activity or not activity.records:
        return ""
    return _("开展关爱活动%(n)d次，参加的留守儿童%(children)d人。") % {
        "n": activity.records,
        "children": activity.children,
    }


def _safety_education(n: TermNumbers) -> str:
    e = n.safety_education
    if e is None or not (e.lessons or e.letters):
        return ""
    parts = []
    if e.lessons:
        text = _("开展安全教育%(n)d次") % {"n": e.lessons}
        if e.children:
            text += _("，覆盖留守儿童%(children)d人") % {"children": e.children}
        parts.append(text)
    if e.letters:
        parts.append(_("与监护人签订安全责任书%(n)d份") % {"n": e.letters})
    return "；".join(parts) + "。"


def _inspection(n: TermNumbers) -> str:
    """From the teachers' work table: the number of teachers who did not do all that was
    wanted, never their names (the summary goes to the education office)."""
    i = n.inspection
    if i is None or not i.teachers:
        return ""
    text = _("学校每月检查教师关爱记录，对照家访和班级活动任务逐人考核。")
    if not i.short:
        text += _("本学期%(n)d名教师全部完成家访和班级活动任务") % {"n": i.teachers}
    elif not i.complete:
        text += _("本学期%(n)d名教师均未全部完成家访和班级活动任务") % {"n": i.teachers}
    else:
        text += _(
            "本学期%(complete)d名教师全部完成家访和班级活动任务，%(short)d名教师未全部完成"
        ) % {"complete": i.complete, "short": i.short}
        reasons = []
        if i.visits_short:
            reasons.append(_("家访未达要求%(n)d人") % {"n": i.visits_short})
        if i.quotas_short:
            reasons.append(_("班级活动未达要求%(n)d人") % {"n": i.quotas_short})
        if reasons:
            text += "（" + "，".join(reasons) + "）"
    return text + _("，考核结果纳入教师考核。")


def _case(n: TermNumbers) -> str:
    return draft_case(n.case)


def draft_case(c: TypicalCase | None) -> str:
    """The chosen record told as a case: the child's situation, what was done, the result."""
    if c is None:
        return ""
    who = "".join(filter(None, [c.grade, _("学生"), c.name]))
    text = who
    if c.gender:
        text += _("，%(g)s") % {"g": c.gender}
    if c.situation:
        text += "，" + c.situation
    text += "。"
    text += _("%(month)d月%(day)d日，教师对其进行%(kind)s。") % {
        "month": c.occurred_on.month,
        "day": c.occurred_on.day,
        "kind": c.kind,
    }
    for part in (c.content, c.problems, c.measures):
        if part:
            text += part.rstrip("。；;.") + "。"
    if c.care:
        text += _("本学期共为其开展%(care)s，持续跟踪关爱。") % {
            "care": "、".join(_("%(kind)s%(n)d次") % {"kind": kind, "n": n} for kind, n in c.care)
        }
    return text


DRAFTERS = {
    "archives": _archives,
    "pairing": _pairing,
    "talks": _talks,
    "calls": _calls,
    "meetings": _meetings,
    "mind": _mind,
    "safety": _safety,
    "assistance": _assistance,
    "activities": _activities,
    "safety_education": _safety_education,
    "inspection": _inspection,
    "case": _case,
}


def draft_sections(numbers: TermNumbers) -> dict[str, str]:
    """Each measure's paragraph from the data; "" for a measure with nothing to report."""
    return {key: DRAFTERS[key](numbers) for key, _heading in SECTIONS}


def sections_of(saved: dict[str, str] | None, numbers: TermNumbers) -> dict[str, str]:
    """The sections as printed: the principal's text where she has one (an emptied section
    stays out), the draft for a section never saved (a summary older than the sections)."""
    return draft_sections(numbers) | {
        key: text for key, text in (saved or {}).items() if key in HEADINGS
    }


# A number as the documents write it: 175, 93.7, 1.5 (万元).
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SENTENCE_END = re.compile(r"(?<=[。；！？\n])")
CONTEXTS = (8, 5, 3, 2)


@dataclass(frozen=True)
class ChangedNumber:
    """A number in the principal's text that is not the data's: the sentence, what she typed,
    and the data's figure in the same place of the draft."""

    section: str
    sentence: str
    typed: str
    data: str


def _numbers_in(text: str) -> list[tuple[str, str, str]]:
    """(text before, the number, its unit) for each number, before-text cut at a sentence."""
    found = []
    for match in _NUMBER.finditer(text):
        before = re.split(r"[。；！？\n]", text[: match.start()])[-1]
        found.append((before, match[0], text[match.end() : match.end() + 1]))
    return found


def _figure_in_draft(draft: str, before: str, unit: str) -> str | None:
    """The draft's number after the same words (the longest context found once), or None."""
    for size in CONTEXTS:
        context = re.sub(r"\d+(?:\.\d+)?", "", before)[-size:]
        if len(context) < min(size, 2):
            continue
        hits = [
            number
            for draft_before, number, draft_unit in _numbers_in(draft)
            if re.sub(r"\d+(?:\.\d+)?", "", draft_before).endswith(context) and draft_unit == unit
        ]
        if len(set(hits)) == 1:
            return hits[0]
        if len(set(hits)) > 1:
            return None  # these words lead to several figures: not a check we can make
    return None


def changed_numbers(texts: dict[str, str], drafts: dict[str, str]) -> list[ChangedNumber]:
    """Numbers in the principal's texts that differ from the data's figure at the same place
    of the fresh draft (same words before, same unit after). A sentence she wrote herself, with
    no counterpart in the draft, is not checked."""
    changed = []
    for key, text in texts.items():
        draft = drafts.get(key, "")
        if not text or not draft:
            continue
        for sentence in filter(str.strip, _SENTENCE_END.split(text)):
            for before, typed, unit in _numbers_in(sentence):
                data = _figure_in_draft(draft, before, unit)
                if data is not None and data != typed:
                    changed.append(ChangedNumber(key, sentence.strip(), typed, data))
    return changed


@dataclass(frozen=True)
class Staff:
    """The names the leading group is drafted from, by role."""

    principals: list[str]
    moral_leads: list[str]
    counsellors: list[str]


def draft_leading_group(staff: Staff) -> str:
    """（一）加强领导: the leading group named from the staff, the principal as 组长."""
    members = []
    if staff.principals:
        members.append(_("校长%(names)s任组长") % {"names": "、".join(staff.principals)})
    if staff.moral_leads:
        members.append(_("德育主任%(names)s任副组长") % {"names": "、".join(staff.moral_leads)})
    if staff.counsellors:
        members.append(
            _("心理老师%(names)s和各班班主任为成员") % {"names": "、".join(staff.counsellors)}
        )
    else:
        members.append(_("各班班主任为成员"))
    return _(
        "学校成立了关爱留守儿童工作领导小组，%(members)s，明确分工，责任到人，"
        "把关爱留守儿童工作纳入学校工作计划和教师考核。"
    ) % {"members": "，".join(members)}


def _change(now: float | None, before: float | None, unit: str) -> str:
    """ "，比上学期提高2.5个百分点" / "增加3人"; "" without a last term, a change, or a figure
    to compare with (nothing recorded then is no basis: "增加169人" from none says nothing)."""
    if now is None or not before or now == before:
        return ""
    difference = round(abs(now - before), 1)
    shown = f"{difference:g}"
    if unit == "%":
        verb = _("提高") if now > before else _("降低")
        return _("，比上学期%(verb)s%(d)s个百分点") % {"verb": verb, "d": shown}
    verb = _("增加") if now > before else _("减少")
    return _("，比上学期%(verb)s%(d)s%(unit)s") % {"verb": verb, "d": shown, "unit": unit}


def _children_reached(n: TermNumbers, kind: str) -> int:
    row = n.care.by_kind.get(kind)
    return row.children if row else 0


def _dropped_out(n: TermNumbers) -> int:
    """Left-behind children out of school (the dropout watch; in versions stored before, those
    flagged 义务教育阶段辍学): never claim none then."""
    if n.safety.dropped_out is not None:
        return n.safety.dropped_out
    return sum(row.n for row in n.basic.categories if row.key == "is_dropout")


def draft_achievements(numbers: TermNumbers) -> str:
    """三、取得的成绩 as a principal writes it: what the data shows was achieved, compared with
    the last term's figures (``numbers.previous``) where it recorded any; one line each."""
    n = numbers
    p = n.previous
    if p is not None and not (p.visited or p.family_calls or p.coverage):
        p = None  # a last term with nothing recorded is no basis (the school was not using it)
    lines = []
    if n.pairing.teacher_pairs and n.pairing.coverage is not None:
        lines.append(
            _("结对帮扶落实到人。%(covered)d名留守儿童有了帮扶教师，覆盖率%(coverage)s%%")
            % {"covered": n.pairing.covered, "coverage": n.pairing.coverage}
            + _change(n.pairing.coverage, p.coverage if p else None, "%")
            + "。"
        )
    visited = _children_reached(n, "home_visit")
    calls = n.care.by_kind["family_call"].records if "family_call" in n.care.by_kind else 0
    if visited:
        lines.append(
            _("家校联系更加紧密。教师家访留守儿童%(n)d人") % {"n": visited}
            + _change(visited, p.visited if p else None, _("人"))
            + (_("，与在外父母通亲情电话%(calls)d次") % {"calls": calls} if calls else "")
            + (_change(calls, p.family_calls, _("次")) if calls and p else "")
            + "。"
        )
    talked = _children_reached(n, "talk")
    if talked:
        lines.append(
            _("留守儿童的心理和学习得到持续关注。教师与%(n)d名留守儿童谈心") % {"n": talked} + "。"
        )
    safe = []
    if not n.safety.emergencies:
        safe.append(_("本学期未发生涉及留守儿童的突发事件"))
    if not n.safety.dropout_open:
        if n.safety.dropout_returned:
            safe.append(_("劝返复学%(n)d人") % {"n": n.safety.dropout_returned})
        elif not (n.safety.dropout_cases or _dropped_out(n) or n.safety.flagged_unwatched):
            safe.append(_("没有留守儿童失学辍学"))
    if safe:
        lines.append(_("安全和控辍保学工作平稳。") + "，".join(safe) + "。")
    if not lines:
        return _("通过全校教师的共同努力，留守儿童的学习、生活和心理状况得到持续关注。")
    return "\n".join(f"{index}、{line}" for index, line in enumerate(lines, 1))


def problem_lines(numbers: TermNumbers) -> list[str]:
    """四、存在的问题 as a principal writes it: a few sentences about the work, each with its
    number, not one line per shortfall."""
    n = numbers
    lines = []
    if n.care.not_visited:
        text = _("家访还不到位。本学期还有%(n)d名留守儿童没有家访") % {"n": n.care.not_visited}
        if n.classes_below_quota:
            text += _("，分布在%(k)d个班（%(classes)s）") % {
                "k": len(n.classes_below_quota),
                "classes": "、".join(row.label for row in n.classes_below_quota[:6])
                + (_("等") if len(n.classes_below_quota) > 6 else ""),
            }
        lines.append(text + "。")
    pairing = []
    uncovered = n.basic.away - n.pairing.covered
    if uncovered > 0:
        pairing.append(_("%(n)d名留守儿童还没有帮扶教师") % {"n": uncovered})
    if n.needy is not None and n.needy.paired < n.needy.children:
        pairing.append(
            _("%(n)d名困境儿童（非留守）还没有结对帮扶教师")
            % {"n": n.needy.children - n.needy.paired}
        )
    if n.pairing.idle:
        pairing.append(_("%(n)d个对子长时间没有帮扶记录") % {"n": n.pairing.idle})
    if pairing:
        lines.append(_("结对帮扶还有空档，") + "，".join(pairing) + "。")
    if n.care.records:
        weak = [g for g in n.care.guides if g.records < n.care.records / 10]
        if weak:
            listed = "、".join(
                _("%(label)s%(n)d条") % {"label": g.label, "n": g.records} for g in weak
            )
            lines.append(_("“四导”还不均衡，%(listed)s，明显偏少。") % {"listed": listed})
    archives = []
    if n.archives.filed < n.archives.total:
        archives.append(_("%(n)d名留守儿童还没有建档") % {"n": n.archives.total - n.archives.filed})
    if n.archives.complete < n.archives.filed:
        archives.append(
            _("%(n)d份档案信息不全，需补全") % {"n": n.archives.filed - n.archives.complete}
        )
    if archives:
        lines.append(_("档案还不够完整，") + "，".join(archives) + "。")
    open_items = []
    if n.care.watch_events > n.care.watch_answered:
        open_items.append(
            _("“五必访”还有%(n)d次未回应") % {"n": n.care.watch_events - n.care.watch_answered}
        )
    if n.safety.emergencies_open:
        open_items.append(_("%(n)d起突发事件尚未处置完毕") % {"n": n.safety.emergencies_open})
    if n.safety.dropout_open:
        open_items.append(_("%(n)d名学生仍在劝返") % {"n": n.safety.dropout_open})
    if n.safety.flagged_unwatched:
        open_items.append(
            _("%(n)d名学生档案标为辍学，尚未列入控辍保学") % {"n": n.safety.flagged_unwatched}
        )
    if open_items:
        lines.append(_("个别事项还没有办结：") + "，".join(open_items) + "。")
    return lines


def draft_problems(numbers: TermNumbers) -> str:
    """四、存在的问题, numbered, or that none stands out."""
    lines = problem_lines(numbers)
    if not lines:
        return _("暂未发现突出问题。")
    return "\n".join(f"{index}、{line}" for index, line in enumerate(lines, 1))


def draft_closing() -> str:
    return _(
        "关爱留守儿童是一项长期的工作。我校将继续在上级部门的指导下，"
        "把这项工作做细做实，让每一名留守儿童都能在关爱中健康快乐地成长。"
    )


def draft_texts(*, numbers: TermNumbers, staff: Staff) -> dict[str, str]:
    """The paragraphs drafted from the data that 恢复草稿 can bring back."""
    return {
        "leading_group": draft_leading_group(staff),
        "achievements": draft_achievements(numbers),
        "problems": draft_problems(numbers),
        "closing": draft_closing(),
    }
