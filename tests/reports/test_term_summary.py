"""The term summary: a school with known counts, and the PDF states exactly those numbers."""

import datetime
import io
from urllib.parse import unquote

from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from registry.models import AccessLog
from reports import services
from reports.models import TermReport, TermReportVersion
from reports.selectors import term_numbers
from tests.factories import make_pupil
from tests.registry.test_pdf import fonts_of, is_embedded, text_of


def generate(principal, term) -> tuple[TermReportVersion, str, PdfReader]:
    report = services.term_report_get_or_create(actor=principal, term=term)
    version = services.term_report_generate(actor=principal, report=report)
    with version.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    # Lines are joined: the text of a paragraph may wrap anywhere.
    return version, text_of(reader).replace("\n", ""), reader


def test_the_pdf_states_the_schools_known_numbers(principal, known_school):
    version, text, _reader = generate(principal, known_school)

    assert "我校现有学生5人，2个教学班。其中留守儿童3人，占学生总数的60.0%" in text
    assert "男生1人，女生2人；双亲留守2人，单亲留守1人" in text
    assert "谈心1次，涉及2人。家访1次，家访留守儿童1人，尚有2人未家访" in text
    assert "资助留守儿童1人，发放资助1次，金额合计500元" in text
    assert "本学期还有2名留守儿童没有家访" in text  # 四、存在的问题, drafted from the data
    assert version.pages == len(_reader.pages) and version.number == 1


def test_the_numbers_add_up(principal, known_school):
    numbers = term_numbers(school=principal.school, period=known_school.period)
    basic = numbers.basic

    assert basic.boys + basic.girls == basic.away == basic.both + basic.single
    assert sum(row.away for row in basic.grades) == basic.away
    assert sum(row.pupils for row in basic.grades) == basic.pupils
    assert sum(row.n for row in basic.guardianship) == basic.away
    visited = numbers.care.by_kind["home_visit"].children
    assert visited + numbers.care.not_visited == basic.away
    assert [(g.name, g.share) for g in basic.grades] == [
        ("三年级", 66.7),
        ("四年级", 50.0),
    ]


def test_the_chinese_prints_in_embedded_fonts(principal, known_school):
    _version, text, reader = generate(principal, known_school)

    assert "一、基本情况" in text and "五、下步工作打算" in text
    assert "\ufffd" not in text and "□" not in text
    fonts = fonts_of(reader)
    assert fonts and all(is_embedded(font) for font in fonts)
    assert any("CJK" in str(font["/BaseFont"]) for font in fonts)


def test_each_version_keeps_the_numbers_it_printed(
    principal, admin_user, known_school, school_class
):
    first, _text, _reader = generate(principal, known_school)
    make_pupil(actor=admin_user, school_class=school_class, name="孙丽", gender="F",
               left_behind="mother", birth_date=datetime.date(2017, 2, 2))  # fmt: skip
    second, text, _reader = generate(principal, known_school)

    first.refresh_from_db()
    assert first.printed_numbers.basic.away == 3 and second.printed_numbers.basic.away == 4
    assert "其中留守儿童4人" in text
    assert first.sha256 != second.sha256 and second.number == 2


def test_the_principal_edits_the_problems_and_what_she_typed_is_escaped(
    client, principal, known_school
):
    client.force_login(principal)
    url = reverse("reports:term_report_edit", args=[known_school.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}

    client.post(url, data | {"problems": "1、<b>个别</b>班级家访不够。\n2、座谈会偏少。"})
    preview = client.get(reverse("reports:term_report_preview", args=[known_school.pk]))

    page = preview.content.decode()
    assert "&lt;b&gt;个别&lt;/b&gt;班级家访不够。" in page and "<b>个别" not in page
    assert "2、座谈会偏少。" in page
    assert preview["X-Frame-Options"] == "SAMEORIGIN"


def test_saving_the_texts_is_logged_as_an_edit_not_as_a_pdf(client, principal, known_school):
    client.force_login(principal)
    url = reverse("reports:term_report_edit", args=[known_school.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}

    client.post(url, data)

    [log] = AccessLog.objects.filter(actor=principal)
    assert (log.action, log.detail) == (AccessLog.Action.UPDATE, "修改工作总结：" + data["title"])
    assert log.ip_address == "127.0.0.1"


def test_generating_and_downloading_are_logged(client, principal, known_school):
    client.force_login(principal)

    client.post(reverse("reports:term_report_generate", args=[known_school.pk]))
    version = TermReportVersion.objects.get()
    response = client.get(reverse("reports:term_report_version", args=[version.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    details = list(AccessLog.objects.filter(actor=principal).values_list("detail", flat=True))
    assert any("生成工作总结第1版" in d for d in details)
    assert "下载工作总结第1版" in details


def test_a_downloaded_version_is_named_by_the_title_it_printed(client, principal, known_school):
    version, _text, _reader = generate(principal, known_school)
    printed = version.texts["title"]
    services.term_report_update(actor=principal, report=version.report, title="改过的标题")
    client.force_login(principal)

    response = client.get(
        reverse("reports:term_report_version", args=[version.pk]), {"download": "1"}
    )

    disposition = unquote(response["Content-Disposition"])
    assert f"{printed}（第1版）.pdf" in disposition and "改过的标题" not in disposition


def test_the_command_writes_the_pdf(principal, known_school, tmp_path):
    out = tmp_path / "summary.pdf"

    call_command("term_report", "--term", str(known_school.pk), str(out))

    assert out.read_bytes().startswith(b"%PDF")
    assert TermReportVersion.objects.get().created_by == principal


def test_pairing_coverage_counts_as_the_pairing_board_does(
    principal, known_school, pupil, other_pupil, pair_teacher, other_teacher
):
    from pairing import selectors as pairing_selectors
    from pairing import services as pairing_services

    for child, teacher in ((pupil, pair_teacher), (other_pupil, other_teacher)):
        pairing_services.pair_create(actor=principal, pupil=child, kind="teacher", teacher=teacher)
    # A teacher who has left no longer looks after 李小红 (her account closed as the staff
    # pages close it, which sets her children's kept flags).
    other_teacher.is_active = False
    other_teacher.save()
    pairing_services.teacher_account_changed(other_teacher.pk)

    pairing = term_numbers(school=principal.school, period=known_school.period).pairing

    board, _classes = pairing_selectors.coverage(principal.school)
    assert (pairing.covered, pairing.teacher_pairs, pairing.teachers) == (1, 1, 1)
    assert pairing.covered == board.paired
    assert pairing.coverage == 33.3  # 1 of the 3 left-behind children


def test_opening_the_summary_creates_nothing_until_the_principal_saves(
    client, principal, known_school
):
    client.force_login(principal)
    url = reverse("reports:term_report_edit", args=[known_school.pk])

    response = client.get(url)
    client.get(reverse("reports:term_report_preview", args=[known_school.pk]))

    assert not TermReport.objects.exists()
    form = response.context["form"]
    assert form["problems"].value().startswith("1、家访还不到位。本学期还有2名留守儿童没有家访")
    assert list(response.context["versions"]) == []
    data = {name: form[name].value() for name in form.fields}
    client.post(url, data | {"plans": "多家访。"})
    report = TermReport.objects.get()
    assert (report.title, report.plans, report.updated_by) == (data["title"], "多家访。", principal)


def test_the_summary_cites_the_census_round_closed_in_the_term(
    principal, admin_user, class_teacher, known_school
):
    from registry import services as registry_services
    from registry.models import Pupil

    census = registry_services.census_round_open(
        actor=admin_user, name="2026年秋季学期留守儿童摸底", closes_on=datetime.date.today()
    )
    zhao = Pupil.objects.get(name="赵强")
    registry_services.archive_update(
        actor=class_teacher, pupil=zhao, data={"pupil": {"left_behind": "father"}}
    )
    registry_services.census_round_close(actor=admin_user, census=census, force=True)

    _version, text, _reader = generate(principal, known_school)

    assert "本学期开展了“2026年秋季学期留守儿童摸底”" in text
    assert "核实留守儿童4人：新增留守1人，不再留守0人，新入学或转入0人，离校0人" in text


def test_without_a_census_round_the_summary_says_nothing_of_one(principal, known_school):
    _version, text, _reader = generate(principal, known_school)

    assert "摸底" not in text
