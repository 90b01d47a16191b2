"""The term summary in the form of an official document (公文): the school's name in the title,
Chinese dates, full-width brackets in class names, 万元 in prose, the schools' words for the
left-behind categories, no empty rows, and every font an embedded SC (Chinese) face."""

import dataclasses
import datetime
import io

from django.urls import reverse
from pypdf import PdfReader

from caresys.lib.written import chinese_date, full_width_brackets, yuan_in_prose
from reports import services
from reports.drafts import changed_numbers
from reports.models import TermReport, TermReportVersion
from tests.registry.test_pdf import text_of
from visits import services as visits_services


def generate(principal, term, **texts) -> tuple[str, PdfReader]:
    report = services.term_report_get_or_create(actor=principal, term=term)
    if texts:
        services.term_report_update(actor=principal, report=report, **texts)
    version = services.term_report_generate(actor=principal, report=report)
    with version.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return text_of(reader).replace("\n", ""), reader


def test_dates_brackets_and_money_are_written_as_an_official_document_writes_them():
    assert chinese_date(datetime.date(2026, 11, 30)) == "2026年11月30日"
    assert chinese_date("2027-01-05") == "2027年1月5日"
    assert (
        full_width_brackets("一年级(1)班、六年级(12)班 (备注)")
        == "一年级（1）班、六年级（12）班 (备注)"
    )
    assert [yuan_in_prose(a) for a in ("15000.00", "500.00", "123456", "1234.50")] == [
        "1.5万元",
        "500元",
        "12.35万元",
        "1234.5元",
    ]


def test_the_pdf_has_the_schools_name_in_the_title_a_chinese_date_and_the_official_forms(
    principal, admin_user, known_school, pupil
):
    visits_services.record_create(
        actor=admin_user, pupils=[pupil], kind="assistance", content="社会捐助", amount=14500
    )

    text, _reader = generate(
        principal,
        known_school,
        achievements="三年级(1)班的留守儿童本学期都参加了关爱活动。",
        signed_on=datetime.date(2027, 1, 8),
    )

    assert f"青山镇中心小学{known_school}关爱留守儿童工作总结" in text
    assert "青山镇中心小学2027年1月8日" in text  # the signature block: school, then date
    assert "2027-01-08" not in text
    assert "三年级（1）班的留守儿童" in text and "三年级(1)班" not in text
    assert "金额合计1.5万元" in text and "15000" not in text
    assert "双亲留守2人，单亲留守1人" in text and "单亲外出" not in text
    assert "— 1 —" in text  # page numbers at the foot, 公文 style


def test_the_summary_and_the_home_page_name_the_categories_alike(client, principal, known_school):
    client.force_login(principal)

    home = client.get(reverse("home")).content.decode()
    preview = client.get(reverse("reports:term_report_preview", args=[known_school.pk]))

    assert "单亲留守" in home
    assert "单亲留守1人" in preview.content.decode()


def test_a_guardianship_type_nobody_has_gets_no_row(client, principal, known_school):
    client.force_login(principal)

    page = client.get(reverse("reports:term_report_preview", args=[known_school.pk]))

    text = page.content.decode()
    assert "<td>隔代监护</td><td>3</td>" in text
    assert "父母监护" not in text and "无人监护" not in text


def _fonts(resources, seen: set) -> list:
    """Every font drawn with under the resources, in form XObjects (the charts) too."""
    fonts = []
    if resources is None:
        return fonts
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if font["/Subtype"] == "/Type0":
            fonts += [descendant.get_object() for descendant in font["/DescendantFonts"]]
        else:
            fonts.append(font)
    for xobject in (resources.get("/XObject") or {}).values():
        ref = xobject.indirect_reference if hasattr(xobject, "indirect_reference") else None
        xobject = xobject.get_object()
        key = (ref.idnum, ref.generation) if ref else id(xobject)
        if key not in seen and xobject.get("/Subtype") == "/Form":
            seen.add(key)
            fonts += _fonts(xobject.get("/Resources"), seen)
    return fonts


def test_every_font_in_the_pdf_is_an_embedded_chinese_sc_face_and_none_is_jp_or_dejavu(
    principal, known_school
):
    _text, reader = generate(principal, known_school)

    seen: set = set()
    fonts = [font for page in reader.pages for font in _fonts(page.get("/Resources"), seen)]
    names = {str(font["/FontDescriptor"]["/FontName"]) for font in fonts}
    assert names
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        name = str(descriptor["/FontName"])
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), name
        assert "JP" not in name and "DejaVu" not in name, name
        assert name.split("+")[-1].startswith(
            ("Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "AR-PL-UKai-CN")
        ), name
    # Body 宋体-style, headings 黑体, second-level headings 楷体: all three are used.
    assert {n.split("+")[-1] for n in names} >= {
        "Noto-Serif-CJK-SC",
        "Noto-Sans-CJK-SC",
        "AR-PL-UKai-CN",
    }


def test_no_sentence_about_a_measure_with_nothing_to_report(principal, known_school):
    # This term: a home visit, a talk and an assistance; no pair, meeting, activity, diary,
    # counselling, call, incident or dropout.
    text, _reader = generate(principal, known_school)

    measures = text.split("二、主要工作措施")[1].split("三、取得的成绩")[0]
    for nothing in ("座谈会", "家长会", "关爱活动", "成长日记", "心理辅导", "亲情电话", "结对"):
        assert nothing not in measures, nothing
    assert "0次" not in text and "0起" not in text
    assert "本学期未发生突发事件。" in text  # where its absence matters, said in words
    # The headings are numbered over the measures printed, without gaps.
    assert "（一）加强领导，健全机制" in text and "（二）建立档案和联系卡" in text
    assert "（三）谈心和家访" in text and "（四）安全和应急" in text
    assert "（五）资助帮扶" in text and "（六）检查考核" in text and "（七）" not in text


def test_the_signature_is_not_left_alone_on_the_last_page(principal, known_school):
    _text, reader = generate(principal, known_school)

    last = reader.pages[-1].extract_text().replace("\n", "")
    assert "青山镇中心小学" in last and "健康快乐地成长" in last  # the closing paragraph


TALKS = "本学期教师与留守儿童谈心1次，涉及2人。家访1次，家访留守儿童1人，尚有2人未家访。"


def form_data(client, url) -> dict:
    form = client.get(url).context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def test_the_measures_are_textareas_prefilled_with_the_draft_from_the_data(
    client, principal, known_school
):
    client.force_login(principal)

    page = client.get(reverse("reports:term_report_edit", args=[known_school.pk]))

    form = page.context["form"]
    assert form["section_talks"].value() == TALKS
    assert form["section_meetings"].value() == ""  # nothing to report: nothing drafted
    assert form["section_safety"].value() == "本学期未发生突发事件。"
    assert "恢复草稿" in page.content.decode()


def test_a_changed_number_is_flagged_before_generating_and_printed_when_confirmed(
    client, principal, known_school
):
    client.force_login(principal)
    edit = reverse("reports:term_report_edit", args=[known_school.pk])
    generate_url = reverse("reports:term_report_generate", args=[known_school.pk])
    data = form_data(client, edit) | {"section_talks": TALKS.replace("谈心1次", "谈心5次")}

    page = client.post(generate_url, data)

    assert page.status_code == 200 and not TermReportVersion.objects.exists()
    warning = page.content.decode()
    assert "本学期教师与留守儿童谈心5次，涉及2人。" in warning and "填写的是5，数据为1" in warning
    assert "仍按所填文字生成PDF" in warning
    # Saved all the same, and flagged again whenever the page is opened.
    assert "填写的是5，数据为1" in client.get(edit).content.decode()

    response = client.post(generate_url, data | {"confirm": "1"})

    version = TermReportVersion.objects.get()
    assert response.status_code == 302 and f"new={version.pk}" in response["Location"]
    assert version.texts["sections"]["talks"].startswith("本学期教师与留守儿童谈心5次")


def test_an_emptied_measure_is_left_out_and_redrafting_brings_it_back(
    client, principal, known_school
):
    client.force_login(principal)
    edit = reverse("reports:term_report_edit", args=[known_school.pk])
    preview = reverse("reports:term_report_preview", args=[known_school.pk])
    data = form_data(client, edit)

    client.post(edit, data | {"section_talks": "", "preamble": "改过的开头语。"})

    text = client.get(preview).content.decode()
    assert "谈心和家访" not in text and "（三）安全和应急" in text

    response = client.post(
        edit, data | {"preamble": "又改过的开头语。", "redraft": "section_talks"}
    )

    assert response["Location"].endswith("#id_section_talks")
    report = TermReport.objects.get()
    assert report.sections["talks"] == TALKS and report.preamble == "又改过的开头语。"
    assert "（三）谈心和家访" in client.get(preview).content.decode()


def test_only_numbers_that_differ_from_the_data_at_the_same_place_are_flagged():
    drafted = {
        "talks": TALKS,
        "assistance": "资助留守儿童3人，发放资助4次，金额合计1.5万元。",
    }
    typed = {
        "talks": TALKS.split("尚有")[0].replace("留守儿童1人，", "留守儿童3人。")
        + "另外我们走访了7户。",
        "assistance": "资助留守儿童3人，发放资助4次，金额合计2万元。",
    }

    changed = changed_numbers(typed, drafted)

    assert [(c.section, c.typed, c.data) for c in changed] == [
        ("talks", "3", "1"),
        ("assistance", "2", "1.5"),
    ]
    assert changed[0].sentence == "家访1次，家访留守儿童3人。"


def test_the_leading_group_is_named_from_the_staff_and_the_problems_read_as_a_principal_writes(
    client, principal, known_school
):
    principal.full_name = "张校长"
    principal.save()
    client.force_login(principal)

    form = client.get(reverse("reports:term_report_edit", args=[known_school.pk])).context["form"]

    assert "校长张校长任组长" in form["leading_group"].value()
    problems = form["problems"].value().splitlines()
    assert problems[0] == (
        "1、家访还不到位。本学期还有2名留守儿童没有家访，分布在2个班（三年级(1)班、四年级(2)班）。"
    )
    # Every 导 that is short is named in one sentence, 行为上引导 too.
    assert any("学习上辅导0条" in line and "行为上引导0条" in line for line in problems)
    assert form["closing"].value().startswith("关爱留守儿童是一项长期的工作")


def test_the_achievements_compare_with_the_last_term(principal, known_school):
    from reports.drafts import draft_achievements
    from reports.selectors import term_numbers

    numbers = term_numbers(school=principal.school, period=known_school.period)

    def drafted(**last) -> str:
        previous = dataclasses.replace(numbers.headline, **last)
        return draft_achievements(dataclasses.replace(numbers, previous=previous))

    text = drafted(visited=3)  # three children visited at home last term, one now

    assert "教师家访留守儿童1人，比上学期减少2人" in text
    # Nobody visited last term: no basis for "增加1人".
    assert "比上学期" not in drafted(visited=0, family_calls=5)
    assert "本学期未发生涉及留守儿童的突发事件" in text
    assert "0人" not in text and "0次" not in text


def test_a_past_terms_summary_is_dated_at_the_terms_end(principal, known_school):
    from registry.models import SchoolYear, Term
    from reports.selectors import term_report_of

    year = SchoolYear.objects.create(
        school=principal.school,
        name="2025—2026学年",
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2026, 7, 15),
    )
    past = Term.objects.create(
        school_year=year,
        number=2,
        start_date=datetime.date(2026, 2, 20),
        end_date=datetime.date(2026, 7, 10),
    )

    report = term_report_of(school=principal.school, term=past)

    assert report.signed_on == datetime.date(2026, 7, 10)


def test_no_dropout_is_claimed_while_a_left_behind_child_is_flagged_as_one(
    principal, admin_user, known_school, pupil
):
    from registry.models import Pupil
    from reports.drafts import draft_achievements
    from reports.selectors import term_numbers

    before = draft_achievements(term_numbers(school=principal.school, period=known_school.period))
    Pupil.objects.filter(pk=pupil.pk).update(is_dropout=True)
    after = draft_achievements(term_numbers(school=principal.school, period=known_school.period))

    assert "没有留守儿童失学辍学" in before and "辍学" not in after
