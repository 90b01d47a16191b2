"""The view across schools: each school's row is what its own 工作概况 shows, the subtotals and
the total add up, a township reader sees their township only, the 评比 ranks and exports, and
the pages cost the same queries for 2 schools as for 20."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from county import selectors
from county.models import AppraisalMeasure
from county.rollup import figures_of
from pairing import services as pairing_services
from registry.models import AccessLog, Role, SchoolYear, Term
from reports.models import TermReport, TermReportVersion
from reports.selectors import dashboard, term_numbers
from tests.factories import (
    SchoolClassFactory,
    SchoolFactory,
    TownshipFactory,
    UserFactory,
    make_pupil,
)
from visits import services as visits_services
from visits.models import DropoutCase

pytestmark = pytest.mark.django_db


def build_school(township, name, *, left_behind=2, others=1, needy=0, care_categories=()):
    """A school with a term, a class, `left_behind` left-behind pupils (the first paired and
    visited at home, the second talked with, an overdue 五必访 and an open emergency about the
    first), `others` not left behind, `needy` 困境儿童 not left behind, and one dropout."""
    school = SchoolFactory(name=name, township=township, care_categories=list(care_categories))
    admin = UserFactory(school=school, roles=[Role.ADMIN])
    principal = UserFactory(school=school, roles=[Role.PRINCIPAL], full_name=f"{name}校长")
    teacher = UserFactory(school=school, roles=[Role.CLASS_TEACHER])
    today = timezone.localdate()
    year = SchoolYear.objects.create(
        school=school,
        name="2026—2027学年",
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=300),
    )
    Term.objects.create(
        school_year=year,
        number=1,
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=60),
    )
    school_class = SchoolClassFactory(school=school, head_teacher=teacher)
    away = [
        make_pupil(actor=admin, school_class=school_class, name=f"留守{i}", left_behind="both")
        for i in range(left_behind)
    ]
    for i in range(others):
        make_pupil(actor=admin, school_class=school_class, name=f"同学{i}", left_behind="none")
    for i in range(needy):
        make_pupil(
            actor=admin, school_class=school_class, name=f"困境{i}", left_behind="none",
            is_disabled=True,
        )  # fmt: skip
    dropout = make_pupil(actor=admin, school_class=school_class, name="辍学", left_behind="none")
    visits_services.dropout_case_open(
        actor=admin, pupil=dropout, reason="外出打工", status=DropoutCase.Status.DROPPED_OUT
    )
    if away:
        pairing_services.pair_create(actor=admin, pupil=away[0], kind="teacher", teacher=teacher)
        visits_services.record_create(
            actor=teacher, pupils=[away[0]], kind="home_visit", content="家访"
        )
        visits_services.record_create(actor=teacher, pupils=away[:2], kind="talk", content="谈心")
        visits_services.watch_event_create(
            actor=teacher, pupil=away[0], kind="ill", noticed_on=today - datetime.timedelta(days=10)
        )
        visits_services.emergency_create(
            actor=teacher, pupils=[away[0]], kind="missing", description="未到校",
            occurred_at=timezone.now() - datetime.timedelta(hours=1),
        )  # fmt: skip
    return school, principal


@pytest.fixture
def county():
    baishui, shimen = TownshipFactory(name="白水镇"), TownshipFactory(name="石门乡")
    return {
        "townships": (baishui, shimen),
        "central": build_school(baishui, "白水镇中心小学", left_behind=3, others=2),
        "village": build_school(
            baishui, "白水镇龙潭村小", left_behind=2, needy=1, care_categories=["is_disabled"]
        ),
        "shimen": build_school(shimen, "石门乡中心小学", left_behind=1, others=4),
    }


@pytest.fixture
def bureau():
    return UserFactory(school=None, roles=[Role.BUREAU])


def test_each_schools_row_is_what_its_own_dashboard_shows(county, bureau):
    board = selectors.county_board(user=bureau)

    rows = {row.school.name: row.figures for row in board.rows}
    assert set(rows) == {"白水镇中心小学", "白水镇龙潭村小", "石门乡中心小学"}
    for key in ("central", "village", "shimen"):
        school, _principal = county[key]
        own = dashboard(school=school, today=timezone.localdate())
        n, figures = own.numbers, rows[school.name]
        needy = n.needy.children if n.needy else 0
        assert figures.pupils == n.basic.pupils, school.name
        assert figures.left_behind == n.basic.away
        assert figures.share == n.basic.share
        assert figures.needy == needy
        # 结对覆盖率 on the summary's base, the left-behind: the same figure as its own page's.
        assert (figures.paired, figures.coverage) == (n.pairing.covered, n.pairing.coverage)
        assert (figures.archives, figures.complete) == (n.archives.archived, n.archives.complete)
        assert figures.archive_rate == n.archives.rate
        assert figures.overdue == own.overdue_events
        assert figures.open_emergencies == len(own.open_emergencies)
        assert figures.dropouts == n.safety.dropped_out
        home_visits = next(k for k in n.care.kinds if k.kind == "home_visit")
        assert figures.home_visits == home_visits.children  # one visit per child here
    village = rows["白水镇龙潭村小"]
    # 2 left-behind + 1 disabled in care; 1 of the 2 left-behind paired; home visit 1, talk 2
    # → 3 contacts over the 3 in care.
    assert (village.in_care, village.paired, village.coverage) == (3, 1, 50.0)
    assert (village.contacts, village.contacts_per_child, village.visits_per_child) == (
        3,
        1.0,
        0.33,
    )
    assert (village.watch_events, village.watch_late, village.on_time) == (1, 1, 0.0)


def test_the_subtotals_and_the_total_add_up(county, bureau):
    board = selectors.county_board(user=bureau)

    assert [group.township.name for group in board.groups] == ["白水镇", "石门乡"]
    baishui = board.groups[0].subtotal
    # left-behind, others and the dropout; the village school also its disabled child.
    assert baishui.pupils == (3 + 2 + 1) + (2 + 1 + 1 + 1)
    assert baishui.left_behind == 5
    assert baishui.share == round(100 * 5 / 11, 1)  # the township's share, not a mean
    assert board.total.pupils == baishui.pupils + board.groups[1].subtotal.pupils
    for name in ("left_behind", "needy", "paired", "contacts", "overdue", "dropouts"):
        assert getattr(board.total, name) == sum(getattr(row.figures, name) for row in board.rows)


def test_the_dashboard_page_links_each_number_to_the_schools_read_only_page(client, county, bureau):
    client.force_login(bureau)

    page = client.get(reverse("county:dashboard")).content.decode()

    village, _principal = county["village"]
    href = reverse("county:school", args=[village.pk])
    assert f'<a href="{href}">白水镇龙潭村小</a>' in page
    assert page.count(f'href="{href}"') >= 10
    assert "白水镇小计（2所）" in page and "合计（3所）" in page
    assert client.get(reverse("county:home"))["Location"] == reverse("county:dashboard")


def test_a_schools_read_only_page_has_its_numbers_no_links_into_it_and_is_logged(
    client, county, bureau
):
    school, _principal = county["central"]
    client.force_login(bureau)

    response = client.get(reverse("county:school", args=[school.pk]))

    page = response.content.decode()
    assert response.context["n"].basic.away == 3
    assert "只读" in page
    for inside in ("/registry/", "/visits/", "/pairing/", "/plans/", "<form"):
        assert inside not in page.split("<main", 1)[-1], inside
    log = AccessLog.objects.get(actor=bureau, action=AccessLog.Action.READ, school=school)
    assert log.detail == reverse("county:school", args=[school.pk])


def test_a_township_reader_sees_their_township_only(client, county):
    baishui, _shimen = county["townships"]
    central, _principal = county["central"]
    reader = UserFactory(school=central, township=baishui, roles=[Role.PRINCIPAL, Role.TOWNSHIP])
    client.force_login(reader)

    page = client.get(reverse("county:dashboard")).content.decode()
    ranked = client.get(reverse("county:appraisal")).context["ranked"]

    assert "白水镇龙潭村小" in page and "石门乡中心小学" not in page
    assert "合计" not in page  # one township: its subtotal is the total
    assert {row.row.school.name for row in ranked} == {"白水镇中心小学", "白水镇龙潭村小"}
    shimen, _principal = county["shimen"]
    assert client.get(reverse("county:school", args=[shimen.pk])).status_code == 404
    assert client.get(reverse("county:appraisal_weights")).status_code == 403


def test_schools_without_a_generated_summary_are_listed_with_their_principal(county, bureau):
    school, principal = county["central"]
    term = Term.objects.get(school_year__school=school)
    report = TermReport.objects.create(
        school=school, term=term, title="总结", preamble="…", updated_by=principal
    )
    board = selectors.county_board(user=bureau)
    assert school in [item.school for item in board.missing_summaries]

    TermReportVersion.objects.create(
        report=report, number=1, numbers={}, texts={}, pdf="x.pdf", pages=1, sha256="0" * 64,
        created_by=principal,
    )  # fmt: skip
    board = selectors.county_board(user=bureau)

    missing = {item.school.name: item for item in board.missing_summaries}
    assert set(missing) == {"白水镇龙潭村小", "石门乡中心小学"}
    assert [str(p) for p in missing["石门乡中心小学"].principals] == ["石门乡中心小学校长"]


def test_only_principals_are_listed_for_a_missing_summary_whatever_their_other_roles(
    county, bureau
):
    school, principal = county["shimen"]
    UserFactory(school=school, roles=[Role.CLASS_TEACHER], full_name="石门班主任")
    UserFactory(school=school, roles=[Role.PAIR_TEACHER, Role.PRINCIPAL], full_name="石门副校长")
    UserFactory(school=school, roles=[Role.PRINCIPAL], full_name="已离职校长", is_active=False)

    board = selectors.county_board(user=bureau)

    missing = {item.school.name: item for item in board.missing_summaries}
    assert [str(p) for p in missing[school.name].principals] == [str(principal), "石门副校长"]


def test_the_appraisal_ranks_by_the_bureaus_weights(client, county, bureau):
    client.force_login(bureau)
    weights = {key: 0 for key in AppraisalMeasure.Key.values} | {"coverage": 1}

    response = client.post(reverse("county:appraisal_weights"), weights)

    assert response.status_code == 302
    ranked = client.get(reverse("county:appraisal")).context["ranked"]
    # Coverage only, over the left-behind: 石门 1/1 paired, 龙潭 1/2, 白水中心 1/3.
    assert [(row.rank, row.row.school.name, row.total) for row in ranked] == [
        (1, "石门乡中心小学", 100.0),
        (2, "白水镇龙潭村小", 50.0),
        (3, "白水镇中心小学", 33.3),
    ]
    assert AccessLog.objects.filter(actor=bureau, detail__startswith="修改评比指标权重").exists()


def test_the_appraisal_export_has_a_title_the_headers_in_order_and_the_ranked_rows(
    client, county, bureau
):
    client.force_login(bureau)

    response = client.get(reverse("county:appraisal_xlsx"))

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    title = " ".join(str(cell) for row in rows[:2] for cell in row if cell)
    assert "全县" in title and "2026—2027学年第一学期" in title
    assert timezone.localdate().isoformat() in title
    assert rows[2][:5] == ["名次", "乡镇（学区）", "学校", "学校标识码", "档案完整率"]
    assert rows[2][-2:] == ["综合得分", "备注"]
    assert [row[2] for row in rows[3:]] == [
        row.row.school.name for row in client.get(reverse("county:appraisal")).context["ranked"]
    ]
    assert AccessLog.objects.filter(
        actor=bureau, action=AccessLog.Action.EXPORT, detail="导出各校关爱工作评比表"
    ).exists()


@pytest.mark.parametrize("name", ["county:dashboard", "county:appraisal", "county:appraisal_xlsx"])
def test_the_county_pages_cost_the_same_queries_for_2_and_20_schools(
    client, bureau, django_assert_num_queries, name
):
    township = TownshipFactory(name="白水镇")

    def get() -> None:
        response = client.get(reverse(name))
        assert response.status_code == 200
        if name.endswith("xlsx"):
            b"".join(response.streaming_content)

    client.force_login(bureau)
    build_school(township, "一小")
    build_school(TownshipFactory(name="石门乡"), "二小", care_categories=["is_orphan"])
    with CaptureQueriesContext(connection) as two:
        get()
    for i in range(18):
        categories = [["is_disabled"], ["is_orphan"], []][i % 3]
        build_school(township, f"村小{i}", left_behind=i % 4, care_categories=categories)

    with django_assert_num_queries(len(two)):
        get()


def test_the_county_board_is_counted_in_nine_queries(county, bureau, django_assert_num_queries):
    # The schools, their terms, then one grouped query each: pupils, care records, 五必访,
    # emergencies, dropouts, the generated summaries, and the principals of those missing.
    with django_assert_num_queries(9):
        board = selectors.county_board(user=bureau)
    with django_assert_num_queries(1):  # the weights
        selectors.appraisal(board=board)


def test_the_county_pages_refuse_a_post_and_the_weights_refuse_all_zero(client, county, bureau):
    client.force_login(bureau)
    school, _principal = county["central"]

    for url in (
        reverse("county:dashboard"),
        reverse("county:school", args=[school.pk]),
        reverse("county:appraisal"),
        reverse("county:appraisal_xlsx"),
    ):
        assert client.post(url).status_code == 405, url
    response = client.post(
        reverse("county:appraisal_weights"), dict.fromkeys(AppraisalMeasure.Key.values, 0)
    )

    assert response.status_code == 200
    assert "至少给一项指标设置大于0的权重" in response.content.decode()
    assert not AppraisalMeasure.objects.exists()


def test_a_school_with_no_children_in_care_is_not_appraised_and_listed_last_with_the_reason(
    client, county, bureau
):
    baishui = county["townships"][0]
    build_school(baishui, "白水镇柳林村小", left_behind=0, others=2)  # 1 dropout of 3 pupils
    SchoolFactory(name="白水镇新建教学点", township=baishui)  # no pupils yet
    client.force_login(bureau)

    ranked = client.get(reverse("county:appraisal")).context["ranked"]

    assert [(row.rank, row.row.school.name, row.excluded) for row in ranked[-2:]] == [
        (None, "白水镇新建教学点", "没有在校学生"),
        (None, "白水镇柳林村小", "没有关爱对象（留守儿童、困境儿童）"),
    ]
    willow = ranked[-1]
    assert willow.total is None
    assert willow.scores["visits"].value is None and willow.scores["visits"].score is None
    assert willow.scores["coverage"].value is None
    # Its 333‰ dropouts do not set the scale the schools in care are scored on.
    scored = [row for row in ranked if row.excluded is None]
    assert {row.row.school.name for row in scored} == {
        "石门乡中心小学", "白水镇中心小学", "白水镇龙潭村小"
    }  # fmt: skip
    # 1 dropout of 5 pupils at 龙潭 is the worst of those appraised: it scores 0, not 40.
    assert min(row.scores["dropouts"].score for row in scored) == 0.0
    page = client.get(reverse("county:appraisal")).content.decode()
    assert "不参评" in page and "没有关爱对象（留守儿童、困境儿童）" in page


def test_the_appraisal_export_shows_a_dash_for_what_a_school_cannot_have_and_the_reason(
    client, county, bureau
):
    build_school(county["townships"][0], "白水镇柳林村小", left_behind=0, others=2)
    client.force_login(bureau)

    response = client.get(reverse("county:appraisal_xlsx"))

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header, last = rows[2], rows[-1]
    assert header[-2:] == ["综合得分", "备注"]
    assert last[0] == "不参评" and last[2] == "白水镇柳林村小"
    assert last[header.index("生均家访")] == "—"
    assert last[header.index("结对覆盖率")] == "—"
    assert last[-2:] == ["—", "没有关爱对象（留守儿童、困境儿童）"]
    assert rows[3][0] == 1 and rows[3][-1] is None


def test_a_schools_pairing_coverage_is_the_same_on_the_dashboard_and_in_the_rollup(
    client, county, bureau
):
    school, _principal = county["village"]  # 2 left-behind (1 paired) and 1 disabled in care
    term = Term.objects.of_school(school.pk).get()
    client.force_login(bureau)

    response = client.get(reverse("county:dashboard"))

    on_board = next(row.figures for row in response.context["board"].rows if row.school == school)
    in_rollup = figures_of(term_numbers(school=school, period=term.period))
    assert on_board.coverage == in_rollup.coverage == 50.0
    assert "留守儿童结对覆盖率" in response.content.decode()
