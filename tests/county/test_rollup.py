"""The roll-up term summary: each school's figures as its own summary counts them, the 合计
their sum, rates computed again from the sums; a 中心学校 reader's has their schools only; the
PDF names every school and prints the totals in embedded SC fonts."""

import datetime
import io
import itertools
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from caresys.lib.pdf import html_to_pdf_pages
from county.models import RollupReport, RollupVersion
from county.rollup import (
    Figures,
    Rollup,
    SchoolRow,
    add_up,
    document_html,
    figures_of,
    rollup_numbers,
    rollup_of,
    schools_in,
)
from county.services import rollup_report_get_or_create
from registry.models import AccessLog, Role, SchoolYear, Term
from registry.services import school_calendar_changed
from reports.numbers import Counted
from reports.selectors import term_numbers
from tests.factories import (
    SchoolClassFactory,
    SchoolFactory,
    UserFactory,
    make_pupil,
)
from tests.registry.test_pdf import fonts_of, is_embedded, text_of
from visits import services as visits_services

pytestmark = pytest.mark.django_db

YEAR = "2026—2027学年"


def _term_like(term: Term, school) -> Term:
    """The same term (school year name and number) at another school."""
    year = SchoolYear.objects.create(
        school=school,
        name=term.school_year.name,
        start_date=term.school_year.start_date,
        end_date=term.school_year.end_date,
    )
    made = Term.objects.create(
        school_year=year, number=term.number, start_date=term.start_date, end_date=term.end_date
    )
    # As the admin does when it saves a school year: the records written before count in it.
    school_calendar_changed(school_id=school.pk)
    return made


def _school_with_children(name, township, term, *, left_behind, visits=0):
    """A school of the township with the term, a class of the given children (their
    left_behind each), and home visits to the first child."""
    school = SchoolFactory(name=name, township=township)
    admin = UserFactory(school=school, roles=[Role.ADMIN])
    teacher = UserFactory(school=school, roles=[Role.CLASS_TEACHER])
    school_class = SchoolClassFactory(school=school, grade=2, number=1, head_teacher=teacher)
    children = [
        make_pupil(actor=admin, school_class=school_class, name=f"{name[:2]}{i}号",
                   left_behind=kind, birth_date=datetime.date(2018, 1, i + 1))
        for i, kind in enumerate(left_behind)
    ]  # fmt: skip
    for _visit in range(visits):
        visits_services.record_create(
            actor=teacher, pupils=children[:1], kind="home_visit", content="家访"
        )
    _term_like(term, school)
    return school


@pytest.fixture
def counted(county):
    """Every school's term figures counted and kept, as the nightly command keeps them."""
    call_command("count_term_figures", stdout=io.StringIO())
    return county


def _report(user, township):
    return rollup_report_get_or_create(actor=user, township=township, year=YEAR, number=1)


def _figures(**counts) -> Figures:
    zero = {name: 0 for name in Figures.__dataclass_fields__} | {
        "assistance_amount": Decimal(0),
        "categories": (),
        "guardianship": (),
    }
    return Figures(**zero | counts)


def test_the_sums_are_the_schools_own_term_numbers_added_up(county, counted, bureau):
    report = _report(bureau, None)
    schools = list(schools_in(user=bureau, township=None))

    rollup = rollup_numbers(schools=schools, report=report)

    own = {
        school.name: figures_of(term_numbers(school=school, period=term.period))
        for school in county["schools"]
        if (term := Term.objects.of_school(school.pk).first())
    }
    assert {row.school: row.figures for row in rollup.counted} == own
    assert [row.school for row in rollup.missing] == ["白水镇石桥教学点"]
    total = rollup.total
    assert (total.pupils, total.away, total.both, total.single) == (5 + 3 + 2, 3 + 2 + 1, 3, 3)
    assert total.home_visits == 1 + 2 and total.visited == 1 + 1
    assert total.talks == 1 and total.assistance_amount == Decimal("500.00")
    assert total.pupils == sum(figures.pupils for figures in own.values())
    assert total.guardianship == add_up(list(own.values())).guardianship


def test_the_total_row_is_the_sum_of_the_rows_and_rates_are_recomputed_not_averaged():
    grand, alone = Counted("grand", "隔代监护", 1), Counted("alone", "无人监护", 4)
    small = _figures(pupils=10, away=1, covered=1, archived=1, assistance_amount=Decimal("0.50"),
                     guardianship=(grand,))  # fmt: skip
    large = _figures(pupils=90, away=9, covered=0, archived=9, assistance_amount=Decimal("100"),
                     guardianship=(replace(grand, n=5), alone))  # fmt: skip

    total = add_up([small, large])

    assert (total.pupils, total.away, total.covered) == (100, 10, 1)
    assert total.assistance_amount == Decimal("100.50")
    assert small.coverage == 100.0 and large.coverage == 0.0
    assert total.coverage == 10.0  # 1 of 10 children, not the schools' average 50%
    assert total.share == 10.0 and total.filing_rate == 100.0
    assert total.guardianship == (replace(grand, n=6), alone)
    assert add_up([]).pupils == 0 and add_up([]).coverage is None


def test_a_township_readers_rollup_has_only_their_townships_schools(
    county, counted, township_reader
):
    report = _report(township_reader, county["baishui"])
    schools = list(schools_in(user=township_reader, township=report.township))

    rollup = rollup_numbers(schools=schools, report=report)

    assert [row.school for row in rollup.rows] == [
        "白水镇石桥教学点", "白水镇龙潭村小", "青山镇中心小学",
    ]  # fmt: skip
    assert rollup.scope == "白水镇" and rollup.total.pupils == 5 + 3


def test_the_bureau_opens_edits_and_prints_the_countys_rollup(client, county, counted, bureau):
    client.force_login(bureau)
    listing = client.get(reverse("county:rollup_list"))
    assert "2026—2027学年第一学期" in listing.content.decode()

    opened = client.post(reverse("county:rollup_list"), {"year": YEAR, "number": "1"})
    report = RollupReport.objects.get(township=None, year=YEAR, number=1)
    assert opened["Location"] == reverse("county:rollup_edit", args=[report.pk])
    page = client.get(opened["Location"]).content.decode()
    assert "白水镇龙潭村小" in page and "未建该学期" in page
    texts = {
        "title": "全县2026—2027学年第一学期关爱留守儿童工作总结",
        "overview": "全县各校认真落实关爱留守儿童工作。",
        "measures": "各校普遍建立了代理家长制度。",
        "problems": "个别村小家访不足。",
        "plans": "下学期开展期末评比。",
        "issuer": "某某县教育局",
        "signed_on": "2027-01-20",
    }
    generated = client.post(opened["Location"], texts | {"generate": "1"})

    version = RollupVersion.objects.get(report=report)
    assert generated.status_code == 302
    pdf = client.get(reverse("county:rollup_version", args=[version.pk]))
    reader = PdfReader(io.BytesIO(pdf.getvalue()))
    text = text_of(reader).replace("\n", "").replace(" ", "")
    for name in ("青山镇中心小学", "白水镇龙潭村小", "石门乡中心小学", "白水镇石桥教学点"):
        assert name in text
    assert "未建该学期" in text and "个别村小家访不足" in text and "某某县教育局" in text
    assert "本学期纳入统计的学校3所，在校学生10人，其中留守儿童6人" in text
    assert "合计10633" in text  # 在校生, 留守儿童, 双亲, 单亲 of the 合计 row
    fonts = fonts_of(reader)
    assert fonts and all(is_embedded(font) for font in fonts)
    # Noto CJK SC, and the 楷体 (AR PL UKai CN) of the as-of line, as the school's summary.
    assert all(re.search("CJK|UKai", str(font["/BaseFont"])) for font in fonts)
    assert version.numbers["total"]["pupils"] == 10 and version.texts["issuer"] == "某某县教育局"
    assert Rollup.from_json(version.numbers).total.away == 6  # kept as printed
    printed = AccessLog.objects.filter(actor=bureau, action=AccessLog.Action.PDF)
    assert set(county["schools"]) <= {log.school for log in printed}  # each school's own log


def test_each_school_read_from_above_shows_in_its_own_log(client, county, bureau):
    report = _report(bureau, None)
    client.force_login(bureau)

    client.get(reverse("county:rollup_edit", args=[report.pk]))

    reads = AccessLog.objects.filter(actor=bureau, action=AccessLog.Action.READ)
    assert sorted(reads.values_list("school__name", flat=True)) == sorted(
        school.name for school in county["schools"]
    )


def test_a_township_reader_reaches_neither_the_county_nor_another_township(
    client, county, bureau, township_reader
):
    county_report = _report(bureau, None)
    shimen_report = _report(bureau, county["shimen"])
    version = RollupVersion.objects.create(
        report=shimen_report, number=1, numbers={}, texts={"title": "x"}, pdf="x.pdf", pages=1,
        sha256="0" * 64, created_by=bureau,
    )  # fmt: skip
    client.force_login(township_reader)

    for url in (
        reverse("county:rollup_edit", args=[county_report.pk]),
        reverse("county:rollup_edit", args=[shimen_report.pk]),
        reverse("county:rollup_version", args=[version.pk]),
    ):
        assert client.get(url).status_code == 404, url
    own = _report(township_reader, county["baishui"])
    assert client.get(reverse("county:rollup_edit", args=[own.pk])).status_code == 200


def test_a_term_no_school_in_scope_has_is_not_opened(client, county, bureau):
    client.force_login(bureau)

    answer = client.post(reverse("county:rollup_list"), {"year": "1999学年", "number": "1"})

    assert answer.status_code == 404
    assert not RollupReport.objects.exists()


def test_the_pages_refuse_other_methods_and_the_registrar(client, county, bureau):
    report = _report(bureau, None)
    client.force_login(bureau)
    assert client.put(reverse("county:rollup_edit", args=[report.pk])).status_code == 405
    assert client.post(reverse("county:rollup_version", args=[1])).status_code == 405
    client.force_login(UserFactory(school=None, roles=[Role.SYSTEM_ADMIN]))
    assert client.get(reverse("county:rollup_list")).status_code == 403


def test_the_list_of_terms_costs_the_same_for_more_schools(
    client, county, bureau, django_assert_num_queries
):
    client.force_login(bureau)
    client.get(reverse("county:rollup_list"))  # the session's first queries
    with django_assert_num_queries(5):
        client.get(reverse("county:rollup_list"))
    for n in range(3):
        _term_like(county["term"], SchoolFactory(name=f"新增村小{n}", township=county["shimen"]))
    with django_assert_num_queries(5):
        page = client.get(reverse("county:rollup_list"))
    assert "6 所学校已建该学期" in page.content.decode()


def test_a_term_not_yet_begun_is_not_offered(client, county, bureau):
    term = county["term"]
    Term.objects.create(
        school_year=term.school_year,
        number=2,
        start_date=term.end_date + datetime.timedelta(days=20),
        end_date=term.end_date + datetime.timedelta(days=150),
    )
    client.force_login(bureau)

    page = client.get(reverse("county:rollup_list")).content.decode()

    assert "2026—2027学年第一学期" in page and "2026—2027学年第二学期" not in page


def test_the_rollup_is_reached_from_the_bar_or_from_the_schools_page(
    client, county, bureau, township_reader
):
    client.force_login(bureau)
    assert reverse("county:rollup_list") in client.get(reverse("county:dashboard")).content.decode()
    client.force_login(township_reader)  # staff of the 中心学校: their bar holds the school's
    page = client.get(reverse("county:dashboard")).content.decode()
    assert page.count(reverse("county:rollup_list")) == 1


def test_the_countys_tables_give_each_township_its_subtotal_and_the_total_is_their_sum():
    def row(school, township, pupils):
        return SchoolRow(school, township, "村小", _figures(pupils=pupils, away=pupils // 10))

    rollup = rollup_of(
        scope="全县", year=YEAR, number=1, term="2026—2027学年第一学期",
        rows=[row("白水镇中心学校", "白水镇", 500), row("白水镇龙潭村小", "白水镇", 60),
              SchoolRow("白水镇石桥教学点", "白水镇", "教学点", None),
              row("石门乡中心小学", "石门乡", 300)],
    )  # fmt: skip

    lines = [(line.label, line.figures.pupils if line.figures else None) for line in rollup.lines]
    assert lines == [
        ("白水镇中心学校", 500), ("白水镇龙潭村小", 60), ("白水镇石桥教学点", None),
        ("白水镇小计", 560), ("石门乡中心小学", 300), ("石门乡小计", 300), ("合计", 860),
    ]  # fmt: skip
    subtotals = [line.figures for line in rollup.lines if line.kind == "subtotal"]
    assert add_up(subtotals) == rollup.total
    township = rollup_of(scope="白水镇", year=YEAR, number=1, term="", rows=rollup.rows[:3])
    assert [line.kind for line in township.lines] == ["school", "school", "school", "total"]


def _headings(html: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", html)


def test_a_part_with_nothing_to_print_is_left_out_and_the_rest_numbered_without_a_gap():
    rows = [SchoolRow("白水镇中心学校", "白水镇", "中心学校", _figures(pupils=500, away=50))]
    rollup = rollup_of(scope="白水镇", year=YEAR, number=1, term="第一学期", rows=rows)
    texts = {"title": "总结", "issuer": "白水镇中心学校", "signed_on": "2027-01-20",
             "overview": "", "measures": "", "problems": " \n", "plans": "加强家访。"}  # fmt: skip

    html = document_html(rollup=rollup, texts=texts)

    assert _headings(html) == ["一、总体情况", "二、主要做法", "三、下步打算"]
    written = document_html(rollup=rollup, texts=texts | {"problems": "家访不够。"})
    assert _headings(written) == ["一、总体情况", "二、主要做法", "三、存在问题", "四、下步打算"]
    assert _headings(document_html(rollup=rollup, texts=texts | {"plans": ""})) == [
        "一、总体情况",
        "二、主要做法",
    ]


def test_a_school_left_out_of_the_sums_is_said_under_the_problems_though_none_written():
    rows = [
        SchoolRow("白水镇中心学校", "白水镇", "中心学校", _figures(pupils=500, away=50)),
        SchoolRow("白水镇石桥教学点", "白水镇", "教学点", None, state="no_term"),
    ]
    rollup = rollup_of(scope="白水镇", year=YEAR, number=1, term="第一学期", rows=rows)
    texts = {"title": "总结", "issuer": "白水镇中心学校", "signed_on": "2027-01-20",
             "overview": "", "measures": "", "problems": "", "plans": ""}  # fmt: skip

    html = document_html(rollup=rollup, texts=texts)

    assert _headings(html)[-1] == "三、存在问题"
    assert "未建该学期，未纳入本总结的统计：白水镇石桥教学点" in html


def _printed_pages(schools: int, overview: int) -> list[str]:
    """The text of each page of a roll-up of that many schools in two townships, its overview
    that many sentences long."""
    rows = [
        SchoolRow(f"{town}第{i}小学", town, "村小", _figures(pupils=500 + i, away=50 + i))
        for town in ("白水镇", "石门乡")
        for i in range(1, schools // 2 + 1)
    ]
    rollup = rollup_of(scope="全县", year=YEAR, number=1, term="第一学期", rows=rows)
    texts = {"title": "总结", "issuer": "县教育局", "signed_on": "2027-01-20",
             "overview": "本学期各校开展关爱工作。" * overview, "measures": "一是建立档案。" * 40,
             "problems": "", "plans": "加强家访。"}  # fmt: skip
    pdf, _pages = html_to_pdf_pages(document_html(rollup=rollup, texts=texts))
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_townships_table_runs_on_under_its_caption_rather_than_leave_half_a_page_blank():
    """Kept whole, a 12-school table whose caption fell in the lower half of page 1 moved to
    page 2 and left that half blank (17 sentences of overview put it there); now its first
    rows stay under the caption and the rest run on under the repeated header."""
    pages = _printed_pages(12, overview=17)

    start = next(number for number, text in enumerate(pages) if "表1" in text)
    schools = [f"{town}第{i}小学" for town in ("白水镇", "石门乡") for i in range(1, 7)]
    under_caption = sum(name in pages[start] for name in schools)
    assert 3 <= under_caption < len(schools)
    # 留守比例 heads table 1's columns only: on the next page it is the repeated header.
    assert "留守比例" in pages[start + 1]


def test_no_page_holds_a_tables_total_without_the_rows_before_it():
    """Each table's 合计 with at least the two rows before it on its page. With 31 sentences
    of overview, a 60-school county's tables 1 and 3 once broke just before their 合计, which
    stood alone under the repeated header."""
    pages = _printed_pages(60, overview=31)

    lines = [text.splitlines() for text in pages]
    rows_above = []
    for page in lines:
        for index, line in enumerate(page):
            if line.startswith("合计"):
                above = list(itertools.takewhile(
                    lambda row: "小学" in row or "小计" in row, reversed(page[:index])
                ))  # fmt: skip
                rows_above.append(len(above))
    assert len(rows_above) == 3 and min(rows_above) >= 2, rows_above
