"""The term summary's figures: counted as of the term's end from the histories the register
keeps, with definitions that agree with the schools' own (建档率, 完整率, dropouts, checks), the
last term beside them, and 资助 by programme."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pairing.models import Pair, PairCheck
from pairing.services import pupil_flags_recount
from registry.models import LeftBehindPeriod, Pupil, SchoolYear, Term
from reports import drafts
from reports.document import document_html
from reports.selectors import default_texts, term_numbers
from tests.factories import make_pupil
from visits import services as visits_services
from visits.models import DropoutCase
from visits.tallies import recount_pair_activity

PAST_START, PAST_END = datetime.date(2024, 9, 1), datetime.date(2025, 1, 20)


def backdate(pupil: Pupil, *periods: tuple[str, datetime.date, datetime.date | None]) -> None:
    """The pupil's archive created before the past term, with these left-behind periods."""
    created = timezone.make_aware(datetime.datetime(2024, 6, 1, 9))
    Pupil.objects.filter(pk=pupil.pk).update(created_at=created)
    LeftBehindPeriod.objects.filter(pupil=pupil).delete()
    LeftBehindPeriod.objects.bulk_create(
        LeftBehindPeriod(pupil=pupil, status=status, started_on=start, ended_on=end)
        for status, start, end in periods
    )


@pytest.fixture
def past_term(school):
    year = SchoolYear.objects.create(
        school=school,
        name="2024—2025学年",
        start_date=datetime.date(2024, 9, 1),
        end_date=datetime.date(2025, 8, 31),
    )
    return Term.objects.create(school_year=year, number=1, start_date=PAST_START, end_date=PAST_END)


@pytest.fixture
def history(admin_user, class_teacher, school_class, other_class, past_term, term):
    """Last autumn (2024): 王小明 (both parents away, paired then), 李芳 (father away until
    March 2025), 赵刚 (both away; left the school in June 2025) and 钱多 (not left-behind).
    Now: 王小明 (no pair any more), 李芳 (parents home), 钱多, and 孙丽 (mother away, new this
    term and paired)."""
    school = school_class.school

    def add(name, gender, left_behind, day, school_class=school_class):
        return make_pupil(
            actor=admin_user, school_class=school_class, name=name, gender=gender,
            left_behind=left_behind, birth_date=datetime.date(2017, 1, day),
        )  # fmt: skip

    ming = add("王小明", "M", "both", 1)
    backdate(ming, ("both", datetime.date(2024, 6, 1), None))
    fang = add("李芳", "F", "none", 2)
    backdate(
        fang,
        ("father", datetime.date(2024, 6, 1), datetime.date(2025, 3, 1)),
        ("none", datetime.date(2025, 3, 2), None),
    )
    gang = add("赵刚", "M", "both", 3, other_class)
    backdate(gang, ("both", datetime.date(2024, 6, 1), None))
    Pupil.objects.filter(pk=gang.pk).update(
        status=Pupil.Status.LEFT, left_on=datetime.date(2025, 6, 30)
    )
    duo = add("钱多", "F", "none", 4, other_class)
    backdate(duo, ("none", datetime.date(2024, 6, 1), None))
    li = add("孙丽", "F", "mother", 5)
    Pair.objects.create(
        school=school, pupil=ming, kind=Pair.Kind.TEACHER, teacher=class_teacher,
        started_on=datetime.date(2024, 9, 10), ended_on=datetime.date(2025, 2, 1),
        end_reason=Pair.EndReason.YEAR_END,
    )  # fmt: skip
    Pair.objects.create(school=school, pupil=li, kind=Pair.Kind.TEACHER, teacher=class_teacher)
    # Pairs written past the services: the kept flags and last activity are counted here.
    pupil_flags_recount(school_id=school.pk)
    recount_pair_activity(school.pk)
    return {"ming": ming, "fang": fang, "gang": gang, "duo": duo, "li": li}


def test_a_past_terms_summary_prints_that_terms_figures_not_todays(
    principal, history, past_term, term
):
    school = principal.school
    past = term_numbers(school=school, period=past_term.period)
    now = term_numbers(school=school, period=term.period)

    assert past.as_of == PAST_END and now.as_of == timezone.localdate()
    assert (past.basic.pupils, past.basic.away, past.basic.both, past.basic.single) == (4, 3, 2, 1)
    assert (now.basic.pupils, now.basic.away, now.basic.both, now.basic.single) == (4, 2, 1, 1)
    # A school year has begun since: the classes were a grade lower then.
    assert [(g.name, g.pupils, g.away) for g in past.basic.grades] == [
        ("二年级", 2, 2),
        ("三年级", 2, 1),
    ]
    assert [(g.name, g.pupils, g.away) for g in now.basic.grades] == [
        ("三年级", 3, 2),
        ("四年级", 1, 0),
    ]
    assert (past.pairing.teacher_pairs, past.pairing.covered, past.pairing.coverage) == (1, 1, 33.3)
    assert (now.pairing.teacher_pairs, now.pairing.covered, now.pairing.coverage) == (1, 1, 50.0)
    # 王小明's pair had nothing recorded all that term; 孙丽's began today.
    assert (past.pairing.idle, now.pairing.idle) == (1, 0)
    assert (past.archives.total, past.archives.filing_rate) == (3, 100.0)
    html = document_html(numbers=past, texts={"title": "总结"})
    assert "数据截至2025年1月20日" in html
    assert "我校现有学生4人，2个教学班。其中留守儿童3人，占学生总数的75.0%" in html


def test_the_current_summary_compares_with_the_last_term(principal, history, term):
    numbers = term_numbers(school=principal.school, period=term.period)

    assert numbers.previous is not None
    assert (numbers.previous.away, numbers.previous.coverage) == (3, 33.3)
    text = drafts.draft_achievements(numbers)
    assert "1名留守儿童有了帮扶教师，覆盖率50.0%，比上学期提高16.7个百分点" in text
    assert "本学期未发生涉及留守儿童的突发事件" in text and "没有留守儿童失学辍学" in text


def test_a_version_keeps_the_day_its_figures_were_counted_and_the_last_term(
    principal, history, term
):
    numbers = term_numbers(school=principal.school, period=term.period)

    again = type(numbers).from_json(numbers.to_json())

    assert again == numbers and again.previous.term == "2024—2025学年第一学期"


def test_the_archive_rate_is_100_when_every_left_behind_child_has_an_archive(
    principal, known_school
):
    Pupil.objects.filter(name="李芳").update(address="")  # her archive lacks an item
    pupil_flags_recount(school_id=principal.school_id)  # written past the services

    numbers = term_numbers(school=principal.school, period=known_school.period)

    archives = numbers.archives
    assert (archives.total, archives.filed, archives.complete) == (3, 3, 2)
    assert (archives.filing_rate, archives.rate) == (100.0, 66.7)
    html = document_html(numbers=numbers, texts={"title": "总结"})
    assert "共建档3份，建档率100.0%；其中信息完整2份，完整率66.7%" in html
    assert any("1份档案信息不全" in line for line in numbers.problems)


def test_a_dropout_flag_without_a_case_is_not_counted_as_a_dropout_but_flagged_to_check(
    principal, known_school, pupil
):
    Pupil.objects.filter(pk=pupil.pk).update(is_dropout=True)

    numbers = term_numbers(school=principal.school, period=known_school.period)

    dropouts = {row.key: row.n for row in numbers.basic.categories}["is_dropout"]
    assert (dropouts, numbers.safety.dropout_cases, numbers.safety.dropped_out) == (0, 0, 0)
    assert numbers.safety.flagged_unwatched == 1
    assert any("1名学生档案标为辍学，尚未列入控辍保学" in s for s in numbers.problems)


def test_the_summarys_dropouts_and_the_dropout_watch_agree(
    principal, known_school, pupil, other_pupil
):
    Pupil.objects.filter(pk=pupil.pk).update(is_dropout=True)
    school = principal.school
    out = DropoutCase.Status.DROPPED_OUT
    DropoutCase.objects.create(school=school, pupil=pupil, opened_by=principal, status=out)
    DropoutCase.objects.create(school=school, pupil=other_pupil, opened_by=principal)

    numbers = term_numbers(school=principal.school, period=known_school.period)

    dropouts = {row.key: row.n for row in numbers.basic.categories}["is_dropout"]
    safety = numbers.safety
    assert (dropouts, safety.dropped_out, safety.dropout_cases, safety.dropout_open) == (1, 1, 2, 2)
    assert safety.flagged_unwatched == 0
    html = document_html(numbers=numbers, texts={"title": "总结"})
    assert "义务教育阶段辍学1人" in html and "控辍保学监控2人" in html
    assert "辍学未返校1人" in html


def test_the_schools_checks_of_pairing_are_counted_apart_from_the_pair_teachers_own(
    principal, known_school, pupil, class_teacher
):
    pair = Pair.objects.create(
        school=principal.school, pupil=pupil, kind=Pair.Kind.TEACHER, teacher=class_teacher,
        started_on=known_school.start_date,
    )  # fmt: skip
    for checker in (class_teacher, class_teacher, principal):
        PairCheck.objects.create(pair=pair, checked_by=checker, progress="有进步",
                                 checked_on=timezone.localdate())  # fmt: skip

    numbers = term_numbers(school=principal.school, period=known_school.period)

    pairing = numbers.pairing
    assert (pairing.school_checks, pairing.own_checks, pairing.checks) == (1, 2, 3)
    html = document_html(numbers=numbers, texts={"title": "总结"})
    assert "学校领导检查结对帮扶1次，帮扶教师自查2次" in html


def test_assistance_is_counted_by_programme_each_child_once(
    principal, known_school, admin_user, pupil, other_pupil
):
    for children, programme, amount in (
        ([pupil, other_pupil], "两免一补", 1250),
        ([pupil], "两免一补", 625),
        ([pupil], "社会捐助", 300),
    ):
        visits_services.record_create(
            actor=admin_user,
            pupils=children,
            kind="assistance",
            content="发放",
            programme=programme,
            amount=amount,
        )

    numbers = term_numbers(school=principal.school, period=known_school.period)

    rows = [(p.label, p.children, p.records, str(p.amount)) for p in numbers.care.programmes]
    # known_school's 500 元 for 李芳 names no programme: 其他资助.
    assert rows == [
        ("两免一补", 2, 2, "1875.00"),
        ("其他资助", 1, 1, "500.00"),
        ("社会捐助", 1, 1, "300.00"),
    ]
    html = document_html(numbers=numbers, texts={"title": "总结"})
    assert "其中两免一补2人、1875元；其他资助1人、500元；社会捐助1人、300元。" in html


def test_the_drafted_problems_are_grouped_and_name_every_guide_left_behind(principal, known_school):
    numbers = term_numbers(school=principal.school, period=known_school.period)

    problems = default_texts(school=principal.school, term=known_school, numbers=numbers)[
        "problems"
    ]

    assert problems.count("2名留守儿童没有家访") == 1  # said once, with its classes
    assert "分布在2个班" in problems
    guides = next(line for line in problems.splitlines() if "四导" in line)
    assert "学习上辅导0条" in guides and "行为上引导0条" in guides
    assert len(problems.splitlines()) == len(numbers.problems) <= 4


def test_a_past_terms_figures_cost_the_same_queries_for_more_children(
    principal, admin_user, school_class, history, past_term
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            term_numbers(school=principal.school, period=past_term.period)
        return len(captured)

    queries()  # the school's settings are read once, then kept
    before = queries()
    for day in range(10, 14):
        child = make_pupil(actor=admin_user, school_class=school_class, name="王小甲",
                           birth_date=datetime.date(2016, 5, day))  # fmt: skip
        backdate(child, ("both", datetime.date(2024, 6, 1), None))

    assert queries() == before
