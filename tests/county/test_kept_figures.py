"""The schools' term figures kept for the roll-up: counted as each school's own term summary
counts them (nightly by the command, or queued by 重新统计), read one query for all schools,
marked when a school is not counted yet or was counted before its term ended."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from county.models import RollupVersion, SchoolTermFigures
from county.rollup import Figures, figures_of, rollup_numbers, schools_in
from registry.models import AccessLog, Term
from reports.selectors import term_numbers
from tests.county.test_rollup import YEAR, _report, _school_with_children
from tests.factories import TownshipFactory
from tests.registry.test_pdf import text_of

pytestmark = pytest.mark.django_db


def _count(*args: str) -> str:
    out = io.StringIO()
    call_command("count_term_figures", *args, stdout=out)
    return out.getvalue()


def _term_of(school) -> Term:
    return Term.objects.select_related("school_year").get(
        school_year__school=school, school_year__name=YEAR, number=1
    )


def test_the_kept_figures_equal_a_fresh_count_of_each_school(county):
    out = _count()

    kept = {row.school_id: row for row in SchoolTermFigures.objects.all()}
    with_term = county["schools"][:2] + county["schools"][3:]  # 石桥教学点 has no such term
    assert set(kept) == {school.pk for school in with_term}
    assert "已统计 3 个学校学期" in out
    for school in with_term:
        term = _term_of(school)
        fresh = figures_of(term_numbers(school=school, period=term.period, with_previous=False))
        assert Figures.from_json(kept[school.pk].figures) == fresh, school.name
        assert kept[school.pk].as_of == timezone.localdate() <= term.end_date  # term runs


def test_the_command_counts_again_and_counts_one_school_or_one_term(county):
    _count()
    longtan = county["schools"][1]
    row = SchoolTermFigures.objects.get(school=longtan)
    SchoolTermFigures.objects.filter(pk=row.pk).update(figures={}, as_of=datetime.date(2000, 1, 1))

    out = _count("--school", str(longtan.pk), "--year", YEAR, "--number", "1")

    assert "已统计 1 个学校学期" in out
    row.refresh_from_db()
    assert row.figures["pupils"] == 3 and row.as_of == timezone.localdate()
    assert SchoolTermFigures.objects.count() == 3  # kept once a school and term
    assert "已统计 0 个学校学期" in _count("--year", "1999学年", "--number", "1")


def test_a_term_that_ended_after_it_was_counted_is_marked_stale_and_counted_again(
    client, county, bureau
):
    _count()
    longtan = county["schools"][1]
    term = _term_of(longtan)  # ended yesterday, counted ten days before
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Term.objects.filter(pk=term.pk).update(end_date=yesterday)
    SchoolTermFigures.objects.filter(term=term).update(as_of=yesterday - datetime.timedelta(days=9))
    report = _report(bureau, None)
    client.force_login(bureau)
    url = reverse("county:rollup_edit", args=[report.pk])

    page = client.get(url).content.decode()
    rollup = rollup_numbers(schools=list(schools_in(user=bureau, township=None)), report=report)
    out = _count()  # the nightly run: the running terms, and the stale one

    assert [row.school for row in rollup.stale] == ["白水镇龙潭村小"]
    assert page.count("data-stale") == 1 and "1所学校的数据统计于学期结束之前，需重新统计" in page
    assert "已统计 3 个学校学期" in out
    assert SchoolTermFigures.objects.get(term=term).as_of == yesterday
    assert "需重新统计" not in client.get(url).content.decode()


def test_a_school_not_counted_is_marked_and_left_out_of_the_sums(client, county, bureau):
    _count()
    SchoolTermFigures.objects.filter(school__name="白水镇龙潭村小").delete()
    report = _report(bureau, None)
    client.force_login(bureau)
    url = reverse("county:rollup_edit", args=[report.pk])

    page = client.get(url).content.decode()
    client.post(url, {"title": "全县总结", "issuer": "县教育局", "signed_on": "2027-01-20",
                      "generate": "1"})  # fmt: skip

    assert 'data-state="uncounted"' in page and "1所学校尚未统计，未计入合计" in page
    version = RollupVersion.objects.get(report=report)
    assert version.numbers["total"]["pupils"] == 5 + 2  # 青山镇中心小学 and 石门乡中心小学
    text = text_of(PdfReader(version.pdf.open("rb"))).replace("\n", "").replace(" ", "")
    assert "以下学校的数据尚未统计，未纳入本总结的统计：白水镇龙潭村小" in text
    assert "另有1所学校未建该学期" in text and "另有1所学校尚未统计" in text


def test_the_page_shows_when_each_school_was_counted(client, county, bureau):
    _count()
    SchoolTermFigures.objects.update(
        counted_at=datetime.datetime(2026, 11, 29, 18, 0, tzinfo=datetime.UTC)
    )
    client.force_login(bureau)

    page = client.get(reverse("county:rollup_edit", args=[_report(bureau, None).pk]))

    assert page.content.decode().count("统计于 11月30日 02:00") == 3  # Asia/Shanghai


def test_recount_queues_the_schools_of_the_readers_township_only(client, county, township_reader):
    report = _report(township_reader, county["baishui"])
    client.force_login(township_reader)

    # Tests run tasks at once (CARESYS_TASKS_IMMEDIATE); the site queues them for db_worker.
    answer = client.post(reverse("county:rollup_recount", args=[report.pk]))

    assert answer.status_code == 302
    counted = SchoolTermFigures.objects.values_list("school__name", flat=True)
    assert sorted(counted) == ["白水镇龙潭村小", "青山镇中心小学"]  # not 石门乡's
    logged = AccessLog.objects.get(actor=township_reader, action=AccessLog.Action.UPDATE,
                                   detail__startswith="重新统计")  # fmt: skip
    assert "2所学校" in logged.detail
    assert client.get(reverse("county:rollup_recount", args=[report.pk])).status_code == 405


def test_recount_is_queued_for_the_worker_not_run_in_the_request(client, county, bureau, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(bureau)

    client.post(reverse("county:rollup_recount", args=[_report(bureau, None).pk]))

    assert not SchoolTermFigures.objects.exists()
    task = DBTaskResult.objects.get()
    assert (
        task.task_path == "county.tasks.count_terms"
        and len(task.args_kwargs["kwargs"]["term_ids"]) == 3
    )


@pytest.mark.parametrize("n", [2, 6])
def test_the_edit_page_and_generate_cost_the_same_for_2_and_6_schools(
    client, county, bureau, n, django_assert_num_queries
):
    township = TownshipFactory(name="平溪乡")
    for i in range(n):
        _school_with_children(f"平溪乡第{i}村小", township, county["term"], left_behind=["both"])
    _count()
    report = _report(bureau, township)
    client.force_login(bureau)
    url = reverse("county:rollup_edit", args=[report.pk])
    client.get(url)  # the session's first queries

    with django_assert_num_queries(EDIT_QUERIES):
        page = client.get(url)
    with django_assert_num_queries(GENERATE_QUERIES):
        client.post(url, {"title": "平溪乡总结", "issuer": "平溪乡中心学校",
                          "signed_on": "2027-01-20", "generate": "1"})  # fmt: skip

    client.get(url)  # the message of the version generated
    client.post(url, {"title": "平溪乡总结", "issuer": "平溪乡中心学校",
                      "signed_on": "2027-01-20", "generate": "1"})  # fmt: skip
    client.get(url)
    with django_assert_num_queries(EDIT_QUERIES):  # nor with the versions listed
        client.get(url)
    assert page.content.decode().count('data-state="counted"') == n
    assert RollupVersion.objects.filter(report=report).first().numbers["total"]["pupils"] == n


EDIT_QUERIES = 8
GENERATE_QUERIES = 26
