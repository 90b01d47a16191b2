"""The term summary in the form of an official document (公文): the school's name in the title,
Chinese dates, full-width brackets in class names, 万元 in prose, the schools' words for the
left-behind categories, no empty rows, and every font an embedded SC (Chinese) face."""

import datetime
import io

from django.urls import reverse
from pypdf import PdfReader

from caresys.lib.written import chinese_date, full_width_brackets, yuan_in_prose
from reports import services
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
