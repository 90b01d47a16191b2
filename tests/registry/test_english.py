"""The interface in English: with the language cookie set to "en", no page shows Chinese.

The data is English too (school, pupils, parents, staff), so any Han character left on a page
is a UI string that is not wrapped for translation or has no English in locale/en.
"""

import datetime
import io
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from pairing import services as pairing_services
from registry import services
from registry.models import Pupil, SchoolClass, SchoolYear, Term
from tests.factories import make_id_number
from visits import services as visits_services

HAN = re.compile(r"[\u4e00-\u9fff]")
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
# The switch back to Chinese is labelled in Chinese on purpose: it is read by Chinese speakers.
SWITCHER_LABEL = "简体中文"


def han_in(html: str) -> list[str]:
    """The Han characters of a page with their surroundings, ignoring scripts and styles."""
    text = SCRIPT_OR_STYLE.sub("", html).replace(SWITCHER_LABEL, "")
    return [text[max(0, m.start() - 60) : m.end() + 60] for m in HAN.finditer(text)]


def english_archive(school_class: SchoolClass, *, name: str, gender: str, birth: datetime.date):
    return {
        "pupil": {
            "name": name,
            "gender": gender,
            "birth_date": birth,
            "id_number": make_id_number(birth, gender),
            "student_number": f"G2025{birth:%m%d}{gender}",
            "school_class": school_class,
            "village": "Green Hill Village",
            "address": "Group 3, Green Hill Village",
            "is_boarding": True,
            "health": "Good",
            "character": "Quiet, thoughtful",
            "interests": "Drawing, football",
            "academic_level": Pupil.AcademicLevel.GOOD,
            "guardianship_type": Pupil.Guardianship.GRANDPARENTS,
            "left_behind": "both",
            "is_priority": True,
            "is_hardship": True,
        },
        "father": {
            "name": "Li Jianguo",
            "phone": "13700001111",
            "work_place": "Dongguan, Guangdong",
            "work_unit": "Riverside Electronics",
            "work_unit_address": "8 Harbour Road, Dongguan",
            "work_unit_phone": "0769-22334455",
            "away_since": datetime.date(2022, 2, 1),
            "contact_frequency": "weekly",
        },
        "mother": {
            "name": "Han Meimei",
            "phone": "13600002222",
            "work_place": "Yiwu, Zhejiang",
            "away_since": datetime.date(2023, 3, 1),
            "contact_frequency": "monthly",
        },
        "guardian": {
            "name": "Li Defu",
            "relation": "Grandfather",
            "occupation": "Farmer",
            "phone": "13812341234",
            "address": "Group 3, Green Hill Village",
            "health": "Fair",
            "birth_year": 1958,
            "education": "primary",
            "letter_signed_on": datetime.date(2025, 9, 5),
        },
    }


@pytest.fixture
def english_school(school, admin_user, principal, class_teacher, counsellor, school_class):
    """The shared fixtures with English names, and three pupils entered in English.

    Li Lei's archive is complete and has been edited; Chen Jie's lacks three items.
    """
    school.name = "Green Hill Primary"
    school.save()
    for user, name in [
        (admin_user, "Ms Zhou"),
        (principal, "Mr Chen"),
        (class_teacher, "Mr Zhang"),
        (counsellor, "Ms Lin"),
    ]:
        user.full_name = name
        user.save()
    # Revisions freeze their labels and values in the language of the person who wrote them.
    with translation.override("en"):
        pupil = services.pupil_create(
            actor=admin_user,
            school=school,
            data=english_archive(
                school_class, name="Li Lei", gender="M", birth=datetime.date(2017, 3, 12)
            ),
        )
        services.pupil_create(
            actor=admin_user,
            school=school,
            data=english_archive(
                school_class, name="Han Mei", gender="F", birth=datetime.date(2017, 5, 20)
            ),
        )
        incomplete = english_archive(
            school_class, name="Chen Jie", gender="M", birth=datetime.date(2016, 11, 2)
        )
        incomplete["pupil"]["student_number"] = ""
        incomplete["father"]["work_place"] = ""
        del incomplete["guardian"]["phone"]
        services.pupil_create(actor=admin_user, school=school, data=incomplete)
        services.archive_update(
            actor=class_teacher,
            pupil=pupil,
            data={"guardian": {"phone": "13812349999"}, "pupil": {"left_behind": "father"}},
        )
        pair = pairing_services.pair_create(
            actor=admin_user, pupil=pupil, kind="teacher", teacher=class_teacher
        )
        pairing_services.pair_check_create(
            actor=class_teacher, pair=pair, checked_on=timezone.localdate(), progress="Better"
        )
        volunteer = pairing_services.volunteer_create(
            actor=admin_user, name="Ms Liu", kind="caring_mother", phone="13512345678"
        )
        pairing_services.pair_create(
            actor=admin_user, pupil=pupil, kind="volunteer", volunteer=volunteer
        )
        visits_services.watch_event_create(actor=class_teacher, pupil=pupil, kind="low_mood")
        visits_services.record_create(
            actor=class_teacher,
            pupils=[pupil],
            kind="talk",
            content="Talked about missing his father",
            guides_mind=True,
            occurred_on=timezone.localdate() - datetime.timedelta(days=1),
        )
        emergency = visits_services.emergency_create(
            actor=class_teacher,
            pupils=[pupil],
            kind="injury",
            occurred_at=timezone.now() - datetime.timedelta(hours=2),
            place="Playground",
            description="Fell during the break",
        )
        visits_services.emergency_step_record(
            actor=class_teacher,
            emergency=emergency,
            step="A",
            done_at=timezone.now() - datetime.timedelta(hours=1),
            persons="Mr Zhang",
        )
        case = visits_services.dropout_case_open(
            actor=class_teacher, pupil=pupil, reason="Misses school"
        )
        year = SchoolYear.objects.create(
            school=school,
            name="2026-2027",
            start_date=timezone.localdate() - datetime.timedelta(days=40),
            end_date=timezone.localdate() + datetime.timedelta(days=300),
        )
        Term.objects.create(
            school_year=year,
            number=1,
            start_date=timezone.localdate() - datetime.timedelta(days=30),
            end_date=timezone.localdate() + datetime.timedelta(days=60),
        )
        visits_services.dropout_action_add(
            actor=class_teacher,
            case=case,
            kind="persuade",
            note="Home visit",
            status_after="returned",
        )
    return pupil


def english_client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def pages_for(pupil: Pupil) -> dict[str, str]:
    archive = [pupil.pk]
    incomplete = Pupil.objects.get(name="Chen Jie")
    pupil_list = reverse("registry:pupil_list")
    access_log = reverse("registry:access_log")
    its_class = pupil.school_class_id
    return {
        "home": reverse("home"),
        "pupil list": pupil_list,
        "pupil list, filtered": pupil_list
        + "?q=li&grade=3&left_behind=any&category=is_priority&guardianship_type=grandparents"
        "&status=enrolled",
        "pupil list, incomplete": pupil_list + "?left_behind=any&incomplete=on",
        "pupil list, single parent": pupil_list + f"?left_behind=single&school_class={its_class}",
        "pupil list, page 2": pupil_list + "?page=2",
        "pupil list, none found": pupil_list + "?q=nobody",
        "archive": reverse("registry:pupil_detail", args=archive),
        "incomplete archive": reverse("registry:pupil_detail", args=[incomplete.pk]),
        "edit form": reverse("registry:pupil_edit", args=archive),
        "new archive form": reverse("registry:pupil_create"),
        "history": reverse("registry:pupil_history", args=archive),
        "contact card": reverse("registry:contact_card", args=archive),
        "class list": reverse("registry:class_list"),
        "access log": access_log,
        "access log, filtered": access_log + f"?pupil_id={pupil.pk}&action=view",
        "password change": reverse("password_change"),
        "password changed": reverse("password_change_done"),
        "not found": "/registry/pupils/999999/",
        **pairing_pages(pupil),
    }


def pairing_pages(pupil: Pupil) -> dict[str, str]:
    pair = pupil.pairs.get(kind="teacher")
    record = pupil.care_records.get()
    term = Term.objects.get(school_year__school=pupil.school)
    return {
        "pairing board": reverse("pairing:board"),
        "new pair": reverse("pairing:pair_create") + f"?pupil={pupil.pk}",
        "pair": reverse("pairing:pair_detail", args=[pair.pk]),
        "help plan": reverse("pairing:plan_edit", args=[pair.pk]),
        "check": reverse("pairing:check_create", args=[pair.pk]),
        "end pair": reverse("pairing:pair_end", args=[pair.pk]),
        "pairing settings": reverse("pairing:settings"),
        "volunteers": reverse("pairing:volunteer_list"),
        "teacher leaving": reverse("pairing:teacher_leave", args=[pair.teacher_id]),
        "pupil leaving": reverse("pairing:pupil_leave", args=[pupil.pk]),
        "year end": reverse("pairing:year_end"),
        "my children": reverse("pairing:my_children"),
        "pairing register": reverse("pairing:register") + "?ended=1",
        "care record form": reverse("visits:record_create") + f"?pupil={pupil.pk}",
        "care record": reverse("visits:record_detail", args=[record.pk]),
        "five must-visits": reverse("visits:watch_create", args=[pupil.pk]),
        "work list": reverse("visits:work_list"),
        "care settings": reverse("visits:settings"),
        "compliance": reverse("visits:compliance"),
        "records": reverse("visits:record_list") + "?voided=on",
        "correct a record": reverse("visits:record_correct", args=[record.pk]),
        "void a record": reverse("visits:record_void", args=[record.pk]),
        "class overview": reverse("visits:class_overview", args=[pupil.school_class_id]),
        "emergencies": reverse("visits:emergency_list"),
        "new emergency": reverse("visits:emergency_create") + f"?pupil={pupil.pk}",
        "emergency": reverse("visits:emergency_detail", args=[pupil.emergencies.get().pk]),
        "dropout watch": reverse("visits:dropout_list"),
        "dropout case": reverse("visits:dropout_detail", args=[pupil.dropout_cases.get().pk]),
        "new dropout case": reverse("visits:dropout_create", args=[pupil.pk]),
        "notifications": reverse("reminders:notification_list"),
        "notification channels": reverse("reminders:channels"),
        "school notification settings": reverse("reminders:settings"),
        "dashboard": reverse("reports:dashboard"),
        "teachers' work table": reverse("reports:teacher_table"),
        "term summaries": reverse("reports:term_report_list"),
        "term summary": reverse("reports:term_report_edit", args=[term.pk]),
        "term summary preview": reverse("reports:term_report_preview", args=[term.pk]),
        "term summary versions compared": reverse(
            "reports:term_report_compare", args=[_version_of(term).pk]
        ),
    }


def _version_of(term: Term):
    """A version of the term's summary as printed (its numbers and texts; no PDF needed)."""
    from registry.models import User
    from reports.models import TermReportVersion
    from reports.selectors import report_texts, term_numbers
    from reports.services import term_report_get_or_create

    staff = User.objects.filter(school=term.school_year.school).order_by("pk")
    principal = next(user for user in staff if user.has_role("principal"))
    with translation.override("en"):  # its texts and labels are written in the reader's language
        report = term_report_get_or_create(actor=principal, term=term)
        numbers = term_numbers(school=report.school, period=term.period)
    version, _created = TermReportVersion.objects.get_or_create(
        report=report, number=1,
        defaults={"numbers": numbers.to_json(),
                  "texts": report_texts(report), "pages": 1, "sha256": "0",
                  "created_by": principal},
    )  # fmt: skip
    return version


ROLES = ["admin_user", "principal", "class_teacher", "counsellor"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_english_for_each_role(role, request, english_school, settings):
    settings.CARESYS_PAGE_SIZE = 2  # three pupils: the pagination shows
    client = english_client(request.getfixturevalue(role))
    checked = 0
    for page, url in pages_for(english_school).items():
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (page, response.status_code)
        assert response["Content-Language"] == "en", page
        assert not han_in(response.content.decode()), (page, han_in(response.content.decode()))
        checked += response.status_code == 200
    assert checked >= 10


def test_english_pages_read_as_english(english_school, admin_user):
    client = english_client(admin_user)
    home = client.get(reverse("home")).text
    assert "Left-behind children" in home and "Archive completion rate" in home
    archive = client.get(reverse("registry:pupil_detail", args=[english_school.pk])).text
    assert "Grade 3, Class 1" in archive
    assert "Father away" in archive and "Grandparents" in archive and "Class teacher" in archive
    listing = client.get(reverse("registry:pupil_list"), {"left_behind": "any"}).text
    assert "3 pupils" in listing and "3 items missing" in listing
    incomplete = Pupil.objects.get(name="Chen Jie")
    archive = client.get(reverse("registry:pupil_detail", args=[incomplete.pk])).text
    assert "Archive incomplete" in archive and "Guardian&#x27;s phone" in archive
    history = client.get(reverse("registry:pupil_history", args=[english_school.pk])).text
    assert "(empty)" in history


def test_signed_out_pages_are_english(english_school):
    client = english_client()
    login = client.get(reverse("login"))
    assert login.status_code == 200
    assert "Sign in" in login.text
    assert not han_in(login.content.decode()), han_in(login.content.decode())
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert not han_in(missing.content.decode()), han_in(missing.content.decode())


def test_forbidden_page_is_english(english_school, class_teacher):
    response = english_client(class_teacher).get(reverse("registry:access_log"))
    assert response.status_code == 403
    assert not han_in(response.content.decode()), han_in(response.content.decode())


def _posted_archive(response) -> dict:
    """The edit form as the browser would submit it, unchanged."""
    data = {}
    for form in response.context["forms"].values():
        for field in form:
            value = field.value()
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif value is not None:
                data[field.html_name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def test_validation_errors_are_english(english_school, admin_user):
    client = english_client(admin_user)
    url = reverse("registry:pupil_edit", args=[english_school.pk])
    data = _posted_archive(client.get(url))
    data |= {
        "pupil-id_number": "12345",
        "guardian-phone": "1381234",
        "father-work_unit_phone": "abc",
        "guardian-birth_year": "1850",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert not han_in(html), han_in(html)
    assert "An ID number has 18 characters (this one has 5)." in html
    assert "A mobile number has 11 digits starting with 1 (this one has 7)." in html
    assert "This phone number is not in the right format" in html
    assert "This year of birth is not plausible" in html

    # Errors raised by the model's clean(): numbers that disagree with the ID number.
    data = _posted_archive(client.get(url)) | {"pupil-birth_date": "2016-01-01"}
    html = client.post(url, data).content.decode()
    assert "The date of birth does not match the one in the ID number" in html
    assert not han_in(html), han_in(html)

    # Errors raised by the service: a change of status dated before the current one began.
    data = _posted_archive(client.get(url)) | {
        "pupil-left_behind": "mother",
        "pupil-left_behind_since": "2000-01-01",
    }
    html = client.post(url, data).content.decode()
    assert "must be later than the start of the current left-behind status" in html
    assert not han_in(html), han_in(html)

    # A valid change: the message after saving is English too.
    data = _posted_archive(client.get(url)) | {"pupil-health": "Short-sighted"}
    response = client.post(url, data, follow=True)
    assert response.redirect_chain
    assert "Archive saved." in response.text
    assert not han_in(response.content.decode()), han_in(response.content.decode())


def test_chinese_without_the_cookie_even_for_an_english_browser(english_school, admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(admin_user)
    response = client.get(reverse("registry:pupil_list"))
    assert response["Content-Language"] == "zh-hans"
    assert "学生档案" in response.text


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_contact_card_pdfs_are_english(english_school, admin_user, school_class):
    client = english_client(admin_user)
    card = client.get(reverse("registry:contact_card_pdf", args=[english_school.pk]))
    assert card.status_code == 200
    assert card["Content-Type"] == "application/pdf"
    text = _pdf_text(card.content)
    assert "Li Lei" in text and "Guardian" in text and "Page 1 of 1" in text
    assert not HAN.search(text), text
    cards = client.get(reverse("registry:class_cards_pdf", args=[school_class.pk]))
    text = _pdf_text(cards.content)
    assert "Han Mei" in text and "Green Hill Primary" in text
    assert not HAN.search(text), text


@pytest.mark.parametrize("role", ["principal", "class_teacher"])
def test_the_growth_archive_pdf_is_english(request, english_school, role):
    client = english_client(request.getfixturevalue(role))
    response = client.get(reverse("reports:growth_archive", args=[english_school.pk]))
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "Growth archive of a left-behind child" in text and "Li Lei" in text
    assert "5. Care records" in text and "Page 1 of" in text
    assert not HAN.search(text), text


def test_a_class_is_named_in_the_active_language_each_time():
    """Class names are kept per language (registry.models._class_name), never across."""
    school_class = SchoolClass(grade=3, number=1)
    with translation.override("zh-hans"):
        assert school_class.name == "三年级(1)班"
    with translation.override("en"):
        assert school_class.name == "Grade 3, Class 1"
    with translation.override("zh-hans"):
        assert str(school_class) == "三年级(1)班"
