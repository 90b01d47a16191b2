"""Every URL against every role: a view without an access rule here fails the suite."""

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from pairing import services as pairing_services
from registry.models import Role, SchoolYear, Term
from registry.spreadsheets import importing
from reminders.models import Notification
from tests.events.access_rules import (
    EVENT_PHOTO_URLS,
    EVENT_URLS,
    EVENTS_EXPECTED,
    EVENTS_POST_DATA,
)
from tests.factories import (
    SchoolClassFactory,
    SchoolFactory,
    TownshipFactory,
    UserFactory,
    consent_to,
    make_pupil,
)
from tests.pairing.access_rules import (
    ADMIN_ONLY,
    DROPOUT_URLS,
    EMERGENCY_URLS,
    EVERYONE_SIGNED_IN,
    LOGIN,
    MANAGERS,
    OPENING_URLS,
    PAIR_URLS,
    PAIRING_EXPECTED,
    PAIRING_POST_DATA,
    READERS_OF_THE_PUPIL,
    RECORD_URLS,
    ROLES,
    ROOM_URLS,
    SLOT_URLS,
    TEACHER_URLS,
    TERM_URLS,
    USE_URLS,
    VERSION_URLS,
)
from tests.plans.access_rules import (
    ITEM_URLS,
    PLAN_TERM_URLS,
    PLAN_URLS,
    PLANS_EXPECTED,
    PLANS_POST_DATA,
)

# url name: {role: status}, for the roles of the pupil's school. "class_teacher" heads the
# pupil's class, "other_class_teacher" heads another class of the same school; the pupil is paired
# with the pair teacher. The roles from outside the school are added below (OUTSIDE_ROLES).
SCHOOL_EXPECTED: dict[str, dict[str, int | str]] = (
    {
        "home": EVERYONE_SIGNED_IN,
        # The county's pages: no role of a school reaches them (tests/county for their own).
        **dict.fromkeys(
            (
                "county:home",
                "county:dashboard",
                "county:school",
                "county:appraisal",
                "county:appraisal_xlsx",
                "county:appraisal_weights",
            ),
            dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        ),
        "county:home": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:rollup_list": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:registers": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:registers_xueji_xlsx": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:registers_civil_affairs_xlsx": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:rollup_edit": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:rollup_version": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:rollup_recount": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:schools": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:school_create": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:township_create": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "county:reader_create": dict.fromkeys(ROLES, 403) | {"anonymous": LOGIN},
        "login": dict.fromkeys(ROLES, 200),
        "logout": dict.fromkeys(ROLES, 302),
        "password_change": EVERYONE_SIGNED_IN,
        "password_change_done": EVERYONE_SIGNED_IN,
        "set_language": dict.fromkeys(ROLES, 302),
        "registry:pupil_list": EVERYONE_SIGNED_IN,
        "registry:pupil_create": {
            "admin": 200,
            "principal": 403,
            "class_teacher": 200,
            "other_class_teacher": 200,
            "pair_teacher": 403,
            "counsellor": 403,
            "moral_lead": 403,
            "anonymous": LOGIN,
        },
        "registry:pupil_detail": READERS_OF_THE_PUPIL,
        "registry:pupil_edit": READERS_OF_THE_PUPIL
        | {"principal": 403, "counsellor": 403, "pair_teacher": 403},
        "registry:pupil_history": READERS_OF_THE_PUPIL,
        # A guardian's consent is recorded by those who edit the archive (as pupil_edit).
        "registry:pupil_consent": READERS_OF_THE_PUPIL
        | {"principal": 403, "counsellor": 403, "pair_teacher": 403},
        "registry:pupil_reveal": READERS_OF_THE_PUPIL,
        "registry:contact_card": READERS_OF_THE_PUPIL,
        "registry:contact_card_pdf": READERS_OF_THE_PUPIL,
        "registry:class_list": EVERYONE_SIGNED_IN,
        # A class's cards are its head teacher's; a pair teacher prints their child's own card.
        "registry:class_cards_pdf": READERS_OF_THE_PUPIL | {"pair_teacher": 404},
        "registry:access_log": dict.fromkeys(ROLES, 403) | {"admin": 200, "anonymous": LOGIN},
        "registry:access_log_xlsx": ADMIN_ONLY,
        # Spreadsheets hold what the person reads: the pair teacher gets an empty one.
        "registry:archive_export": EVERYONE_SIGNED_IN,
        "registry:archive_export_unmasked": dict.fromkeys(ROLES, 403)
        | {"admin": 200, "anonymous": LOGIN},
        "registry:register_xlsx": EVERYONE_SIGNED_IN,
        # The list handed to volunteers or the village committee: those who run the care work.
        "registry:sharing_xlsx": MANAGERS,
        "registry:statistics_xlsx": EVERYONE_SIGNED_IN,
        "registry:statistics": EVERYONE_SIGNED_IN,
        # The national layouts (学籍, 民政登记表): the school's whole list, for those who report it.
        "registry:xueji_xlsx": MANAGERS,
        "registry:civil_affairs_xlsx": MANAGERS,
        # Their whole numbers: the administrator's, with a reason (the form asks it).
        "registry:xueji_unmasked": dict.fromkeys(ROLES, 403) | {"admin": 200, "anonymous": LOGIN},
        "registry:civil_affairs_unmasked": dict.fromkeys(ROLES, 403)
        | {"admin": 200, "anonymous": LOGIN},
        # The roster import writes any archive of the school: the administrator's alone.
        "registry:roster_import": ADMIN_ONLY,
        "registry:roster_template": ADMIN_ONLY,
        "registry:roster_import_preview": ADMIN_ONLY,
        "registry:roster_import_confirm": ADMIN_ONLY,
        # Sign-in pauses of the school's accounts: the registrar's (lifting one sends them back).
        "registry:signin_pause_list": ADMIN_ONLY,
        "registry:signin_pause_lift": ADMIN_ONLY | {"admin": 302},
        # An upload not yet confirmed has no progress: its preview is shown instead.
        "registry:roster_import_progress": ADMIN_ONLY | {"admin": 302},
        # Census rounds: the registrar runs them, the principal reads progress and outcome; the
        # matrix's round is open (opening another is refused on the page, closing it too while
        # classes have not confirmed). A class's page is its head teacher's.
        "registry:census_list": MANAGERS,
        "registry:census_open": ADMIN_ONLY,
        "registry:census_progress": MANAGERS,
        "registry:census_remind": ADMIN_ONLY | {"admin": 302},
        "registry:census_close": ADMIN_ONLY,
        "registry:census_outcome": MANAGERS,
        "registry:census_outcome_xlsx": MANAGERS,
        "registry:census_class": READERS_OF_THE_PUPIL
        | {"pair_teacher": 403, "counsellor": 403, "moral_lead": 403},
        "registry:census_confirm": READERS_OF_THE_PUPIL
        | {
            "admin": 302,
            "class_teacher": 302,
            "principal": 403,
            "pair_teacher": 403,
            "counsellor": 403,
            "moral_lead": 403,
        },
        # 通知: everyone's own list and channels; the matrix's notification is the class
        # teacher's (opening it goes to its page), nobody else's (404); the school's robot is the
        # registrar's to set.
        "reminders:notification_list": EVERYONE_SIGNED_IN,
        "reminders:notification_open": dict.fromkeys(ROLES, 404)
        | {"class_teacher": 302, "anonymous": LOGIN},
        "reminders:notifications_read_all": dict.fromkeys(ROLES, 302) | {"anonymous": LOGIN},
        "reminders:channels": EVERYONE_SIGNED_IN,
        "reminders:settings": ADMIN_ONLY,
    }
    | PAIRING_EXPECTED
    | EVENTS_EXPECTED
    | PLANS_EXPECTED
)

# Views that only answer POST, with what a real form would send.
POST_DATA = (
    {
        "logout": {},
        "set_language": {"language": "en", "next": "/"},
        "registry:pupil_reveal": {"field": "guardian.phone"},
        # Without the preview's fingerprint the administrator is shown the preview again.
        "registry:roster_import_confirm": {},
        "registry:signin_pause_lift": {},
        "registry:census_open": {"name": "再开一轮", "closes_on": "2099-01-01"},
        "registry:census_remind": {},
        "registry:census_close": {},
        "registry:census_confirm": {},
        "reminders:notification_open": {},
        "reminders:notifications_read_all": {},
        "county:rollup_recount": {},
    }
    | PAIRING_POST_DATA
    | EVENTS_POST_DATA
    | PLANS_POST_DATA
)
# The object whose pk a URL takes; every other URL with a pk takes the pupil's.
CLASS_URLS = {"registry:class_cards_pdf", "visits:class_overview"}
CENSUS_URLS = {
    "registry:census_progress",
    "registry:census_remind",
    "registry:census_close",
    "registry:census_outcome",
    "registry:census_outcome_xlsx",
}
# Those that take the round and the matrix's pupil's class.
CENSUS_CLASS_URLS = {"registry:census_class", "registry:census_confirm"}
UPLOAD_URLS = {
    "registry:roster_import_preview",
    "registry:roster_import_confirm",
    "registry:roster_import_progress",
}


@pytest.fixture
def roster_upload(admin_user, settings, tmp_path):
    """A roster the administrator has uploaded and not yet confirmed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    content = "姓名,性别,身份证号,班级\n赵小燕,女,,三年级(1)班\n".encode()
    return importing.roster_upload_create(
        actor=admin_user, file=SimpleUploadedFile("名册.csv", content)
    )


def _url_patterns(
    resolver: URLResolver, namespace: str = "", route: str = ""
) -> dict[str, URLPattern]:
    """Every pattern by its full name ("registry:pupil_list"), leaving out the admin.

    A pattern without a name is listed by its route, so it too needs an access rule.
    """
    found = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            found |= _url_patterns(pattern, inner, route + str(pattern.pattern))
        elif "static" not in pattern.lookup_str:
            name = pattern.name or route + str(pattern.pattern)
            found[":".join(part for part in (namespace, name) if part)] = pattern
    return found


URL_PATTERNS = _url_patterns(get_resolver())
URL_NAMES = sorted(URL_PATTERNS)

# From outside the pupil's school: the administrator and the principal of a second school of the
# same township, a 教育局 reader and a 中心学校 reader of that township (neither with a school).
# "central_principal" is the first school's principal who also reads the township (中心学校):
# on the school's pages exactly a principal.
OUTSIDE_ROLES = (
    "other_school_admin", "other_school_principal", "bureau", "township", "central_principal",
)  # fmt: skip
MATRIX_ROLES = (*ROLES, *OUTSIDE_ROLES)
# What someone with no school may open besides the county's pages (their home sends them on).
WITHOUT_A_SCHOOL = {
    "home": 302, "login": 200, "logout": 302, "password_change": 200,
    "password_change_done": 200, "set_language": 302,
}  # fmt: skip
# The county readers' pages (tests/county has their reach); the registrar's are not theirs.
# (bureau, a township's reader with no school, a central school's principal with the township
# role; both read the township of the two schools, the first its central school).
_READERS = ("bureau", "township", "central_principal")
COUNTY_READS: dict[str, dict[str, int]] = {
    name: dict(zip(_READERS, answers, strict=True))
    for name, answers in {
        "county:home": (302, 302, 302),
        "county:dashboard": (200, 200, 200),
        "county:school": (200, 200, 200),  # the first school, the central one of the township
        "county:appraisal": (200, 200, 200),
        "county:appraisal_xlsx": (200, 200, 200),
        "county:appraisal_weights": (200, 403, 403),  # the bureau's weights
        "county:rollup_list": (200, 200, 200),
        "county:registers": (200, 200, 200),
        "county:registers_xueji_xlsx": (200, 200, 200),
        "county:registers_civil_affairs_xlsx": (200, 200, 200),
        # The matrix holds no roll-up: the pk names none.
        "county:rollup_edit": (404, 404, 404),
        "county:rollup_version": (404, 404, 404),
        "county:rollup_recount": (404, 404, 404),
    }.items()
}
# Where the second school's staff get something else than the rule below.
# Pages that look the child or record up before asking whether the role may change it: the
# second school's principal is told it does not exist (404), as anyone outside its scope.
_LOOKED_UP_FIRST = (
    "registry:pupil_edit", "registry:pupil_consent", "pairing:pupil_leave",
    "visits:record_correct", "visits:record_void", "visits:attachment_add",
)  # fmt: skip
OTHER_SCHOOL_EXCEPTIONS: dict[str, dict[str, int]] = {
    name: {"other_school_principal": 404} for name in _LOOKED_UP_FIRST
} | {
    # Their own school has no census round open: theirs opens (the first school's is untouched).
    "registry:census_open": {"other_school_admin": 302},
}


def _takes_an_object(name: str) -> bool:
    return "pk" in URL_PATTERNS[name].pattern.converters


def _from_outside(name: str, rule: dict[str, int | str]) -> dict[str, int | str]:
    """The outside roles' answers: the second school's staff get 404 for the first school's
    objects (403 where their role is refused anyway) and their own school's page otherwise;
    the county readers get 403 from every school page."""
    reads = COUNTY_READS.get(name, {})
    county = WITHOUT_A_SCHOOL.get(name, 403)

    def other(own_role: str) -> int | str:
        own = rule[own_role]
        if name.startswith("county:"):
            return 403
        return 404 if _takes_an_object(name) and own != 403 else own

    return {
        "other_school_admin": other("admin"),
        "other_school_principal": other("principal"),
        "bureau": reads.get("bureau", county),
        "township": reads.get("township", county),
        "central_principal": reads.get("central_principal", 403)
        if name.startswith("county:")
        else rule["principal"],
    } | OTHER_SCHOOL_EXCEPTIONS.get(name, {})


EXPECTED = {
    name: rule | _from_outside(name, rule)
    for name, rule in SCHOOL_EXPECTED.items()
    if name in URL_PATTERNS
} | {name: rule for name, rule in SCHOOL_EXPECTED.items() if name not in URL_PATTERNS}


@pytest.fixture
def pair(admin_user, pair_teacher, pupil):
    """The matrix's pupil paired with the pair teacher."""
    return pairing_services.pair_create(
        actor=admin_user, pupil=pupil, kind="teacher", teacher=pair_teacher
    )


@pytest.fixture
def second_school(school, admin_user):
    """A second school of the first school's township, with its own class and child."""
    school.township = TownshipFactory(name="青山镇")
    school.save(update_fields=["township"])
    other = SchoolFactory(name="青山镇石桥村小", township=school.township)
    staff = {
        "other_school_admin": UserFactory(school=other, username="admin2", roles=[Role.ADMIN]),
        "other_school_principal": UserFactory(
            school=other, username="principal2", roles=[Role.PRINCIPAL]
        ),
    }
    head = UserFactory(school=other, username="teacher3", roles=[Role.CLASS_TEACHER])
    school_class = SchoolClassFactory(school=other, grade=3, number=1, head_teacher=head)
    other.pupil = make_pupil(
        actor=staff["other_school_admin"], school_class=school_class, name="陈小东",
        birth_date=datetime.date(2016, 5, 6),
    )  # fmt: skip
    today = timezone.localdate()
    year = SchoolYear.objects.create(
        school=other, name="学年", start_date=today, end_date=today + datetime.timedelta(days=300)
    )
    Term.objects.create(
        school_year=year, number=1, start_date=today, end_date=today + datetime.timedelta(days=90)
    )
    other.staff_by_role = staff
    return other


@pytest.fixture
def matrix_users(users_by_role, school, second_school):
    """Everyone of the matrix: the first school's roles and those from outside it."""
    return (
        users_by_role
        | second_school.staff_by_role
        | {
            "bureau": UserFactory(school=None, username="bureau", roles=[Role.BUREAU]),
            "township": UserFactory(
                school=None,
                username="township",
                township=second_school.township,
                roles=[Role.TOWNSHIP],
            ),
            "central_principal": UserFactory(
                school=school,
                username="central",
                township=second_school.township,
                roles=[Role.PRINCIPAL, Role.TOWNSHIP],
            ),
        }
    )


@pytest.fixture
def census(admin_user, pupil, other_class):
    """An open census round, with the matrix's pupil's class and another."""
    from registry import services

    return services.census_round_open(actor=admin_user, name="摸底", closes_on=timezone.localdate())


@pytest.fixture
def record(class_teacher, pupil, roster_upload, admin_user, census):
    """A talk with the matrix's pupil by the pupil's class teacher, with a photo (in the
    roster upload's media folder); an emergency the class teacher reported and a dropout case,
    both about that pupil."""
    from events import services as events_services
    from tests.visits.files import png_upload
    from visits import services as visits_services

    consent_to(pupil, "photos")
    talk = visits_services.record_create(
        actor=class_teacher,
        pupils=[pupil],
        kind="talk",
        content="谈心",
        uploads=[png_upload()],
    )
    talk.emergency = visits_services.emergency_create(
        actor=class_teacher,
        pupils=[pupil],
        kind="injury",
        occurred_at=timezone.now(),
        description="课间摔倒",
    )
    talk.dropout = visits_services.dropout_case_open(
        actor=class_teacher, pupil=pupil, reason="厌学，常缺课"
    )
    talk.event = events_services.event_create(
        actor=class_teacher, kind="safety", school_class=pupil.school_class,
        place="教室", led_by=class_teacher, content="防溺水", photos=[png_upload()],
    )  # fmt: skip
    talk.version = _summary_version(class_teacher.school, admin_user)
    talk.plan_item = _plan_item(talk.version.report.term, admin_user, class_teacher)
    talk.census = census
    talk.room_visit = _room_use(admin_user, class_teacher, pupil)
    talk.notification = Notification.objects.create(
        recipient=class_teacher, kind="work_due", key="work_due:matrix", title="提醒",
        link="/visits/due/",
    )  # fmt: skip
    return talk


def _room_use(admin_user, class_teacher, pupil):
    """A chat room open today with the class teacher alone on duty, and a call of the pupil."""
    import datetime

    from rooms import services as rooms_services

    room = rooms_services.room_save(actor=admin_user, name="亲情聊天室", kind="chat")
    slot = rooms_services.slot_create(
        actor=admin_user, room=room, weekday=timezone.localdate().weekday(),
        starts_at=datetime.time(15), ends_at=datetime.time(16), on_duty=[class_teacher],
    )  # fmt: skip
    opening = rooms_services.opening_record(
        actor=class_teacher, slot=slot, day=timezone.localdate()
    )
    return rooms_services.use_record(
        actor=class_teacher, opening=opening, pupil=pupil, mode="video", with_whom="mother",
        minutes=10,
    )  # fmt: skip


def _summary_version(school, admin_user):
    """A term with a summary and one version (its PDF a stand-in: rendering one per test of
    the matrix would take minutes)."""
    import datetime

    from django.core.files.base import ContentFile

    from registry.models import SchoolYear, Term
    from reports.models import TermReport, TermReportVersion
    from reports.selectors import report_texts, term_numbers

    today = timezone.localdate()
    year = SchoolYear.objects.create(
        school=school, name="学年", start_date=today, end_date=today + datetime.timedelta(days=300)
    )
    term = Term.objects.create(
        school_year=year, number=1, start_date=today, end_date=today + datetime.timedelta(days=90)
    )
    report = TermReport.objects.create(
        school=school, term=term, title="总结", preamble="现将", updated_by=admin_user
    )
    # The numbers and texts it printed are real (the comparison renders them); the PDF not.
    version = TermReportVersion(
        report=report, number=1, numbers=term_numbers(school=school, period=term.period).to_json(),
        texts=report_texts(report), pages=1, sha256="0", created_by=admin_user,
    )  # fmt: skip
    version.pdf.save("v1.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    version.save()
    return version


def _plan_item(term, admin_user, class_teacher):
    from plans import services as plans_services
    from plans.models import WorkPlan

    plan = WorkPlan.objects.create(
        school=admin_user.school, term=term, title="计划", author=admin_user
    )
    return plans_services.item_save(
        actor=admin_user, plan=plan, month=term.start_date, kind="aid_check",
        title="减免落实情况检查", responsible=class_teacher,
    )  # fmt: skip


def _room_object(name: str, use):
    if name in ROOM_URLS:
        return use.opening.slot.room
    if name in SLOT_URLS:
        return use.opening.slot
    return use.opening if name in OPENING_URLS else use


def _url(name: str, pupil, school_class, upload=None, pair=None, record=None) -> str:
    if name == "visits:attachment":
        attachment = record.attachments.get()
        return reverse(name, kwargs={"pk": record.pk, "attachment_pk": attachment.pk})
    if "pk" not in URL_PATTERNS[name].pattern.converters:
        return reverse(name)
    if name == "county:school":
        return reverse(name, kwargs={"pk": pupil.school_id})
    if name in TERM_URLS:
        return reverse(name, kwargs={"pk": record.version.report.term_id})
    if name in VERSION_URLS:
        return reverse(name, kwargs={"pk": record.version.pk})
    if name in EMERGENCY_URLS:
        return reverse(name, kwargs={"pk": record.emergency.pk})
    if name in ROOM_URLS | SLOT_URLS | OPENING_URLS | USE_URLS:
        return reverse(name, kwargs={"pk": _room_object(name, record.room_visit).pk})
    if name in DROPOUT_URLS:
        return reverse(name, kwargs={"pk": record.dropout.pk})
    if name in CENSUS_URLS:
        return reverse(name, kwargs={"pk": record.census.pk})
    if name in CENSUS_CLASS_URLS:
        return reverse(name, kwargs={"pk": record.census.pk, "class_pk": school_class.pk})
    if name in UPLOAD_URLS:
        return reverse(name, kwargs={"pk": upload.pk})
    if name in PAIR_URLS:
        return reverse(name, kwargs={"pk": pair.pk})
    if name == "registry:signin_pause_lift":
        return reverse(name, kwargs={"pk": school_class.head_teacher_id})
    if name in TEACHER_URLS:
        return reverse(name, kwargs={"pk": pair.teacher_id})
    if name == "reminders:notification_open":
        return reverse(name, kwargs={"pk": record.notification.pk})
    if name in RECORD_URLS:
        return reverse(name, kwargs={"pk": record.pk})
    if name in EVENT_URLS:
        return reverse(name, kwargs={"pk": record.event.pk})
    if name in EVENT_PHOTO_URLS:
        photo = record.event.photos.get()
        return reverse(name, kwargs={"pk": record.event.pk, "photo_pk": photo.pk})
    if name in PLAN_URLS:
        return reverse(name, kwargs={"pk": record.plan_item.plan_id})
    if name in ITEM_URLS:
        return reverse(name, kwargs={"pk": record.plan_item.pk})
    if name in PLAN_TERM_URLS:
        return reverse(name, kwargs={"pk": record.plan_item.plan.term_id})
    target = school_class if name in CLASS_URLS else pupil
    return reverse(name, kwargs={"pk": target.pk})


def test_every_url_pattern_has_an_access_rule():
    assert sorted(set(URL_NAMES) - set(EXPECTED)) == []


def test_every_access_rule_belongs_to_an_existing_url_pattern():
    assert sorted(set(EXPECTED) - set(URL_NAMES)) == []


def test_every_access_rule_covers_every_role():
    incomplete = {name: rule for name, rule in EXPECTED.items() if set(rule) != set(MATRIX_ROLES)}
    assert incomplete == {}


@pytest.mark.parametrize("role", MATRIX_ROLES)
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_each_role_gets_the_expected_answer_from_each_page(
    client,
    matrix_users,
    pupil,
    school_class,
    other_class,
    roster_upload,
    pair,
    record,
    url_name,
    role,
):
    if url_name not in EXPECTED:
        pytest.fail(f"{url_name} has no access rule in EXPECTED")
    expected = EXPECTED[url_name][role]
    if role != "anonymous":
        client.force_login(matrix_users[role])
    url = _url(url_name, pupil, school_class, roster_upload, pair, record)

    if url_name in POST_DATA:
        response = client.post(url, POST_DATA[url_name])
    else:
        response = client.get(url)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{resolve_url(settings.LOGIN_URL)}?next=")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    ("method", "url_name"),
    [
        ("post", "registry:pupil_detail"),
        ("post", "registry:pupil_list"),
        ("post", "registry:pupil_history"),
        ("post", "registry:contact_card"),
        ("post", "registry:contact_card_pdf"),
        ("post", "registry:class_list"),
        ("post", "registry:class_cards_pdf"),
        ("post", "registry:access_log"),
        ("post", "home"),
        ("get", "registry:pupil_reveal"),
        ("put", "registry:pupil_edit"),
        ("delete", "registry:pupil_edit"),
        ("put", "registry:pupil_create"),
        ("get", "logout"),
        ("put", "registry:roster_import"),
        ("post", "registry:roster_import_preview"),
        ("get", "registry:roster_import_confirm"),
        ("post", "registry:signin_pause_list"),
        ("get", "registry:signin_pause_lift"),
        ("post", "registry:roster_import_progress"),
        ("post", "registry:census_list"),
        ("get", "registry:census_open"),
    ],
)
def test_a_request_with_the_wrong_http_method_is_refused_with_405(
    client, admin_user, pupil, school_class, roster_upload, method, url_name
):
    client.force_login(admin_user)

    response = getattr(client, method)(_url(url_name, pupil, school_class, roster_upload))

    assert response.status_code == 405


# --- two schools: nothing of the first school's child reaches the second school -------------

# Every page without an object that the second school's staff open: lists, searches, exports,
# PDFs, the dashboard (the views answering POST only are left out: they write).
SCHOOL_WIDE_PAGES = [
    name
    for name in URL_NAMES
    if not _takes_an_object(name)
    and not name.startswith("county:")
    and name not in POST_DATA
    and name not in WITHOUT_A_SCHOOL
]


def _readable(response) -> str:
    """The text a person would read in the answer: a page, a spreadsheet or a PDF."""
    import io

    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if content.startswith(b"%PDF"):
        import pypdf

        return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    if content.startswith(b"PK"):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    assert "text" in kind or "json" in kind or not content, kind
    return content.decode()


def _nothing_of(pupil, text: str) -> None:
    assert pupil.name not in text
    assert pupil.id_number not in text
    assert pupil.student_number not in text


@pytest.mark.parametrize("role", ["other_school_admin", "other_school_principal"])
@pytest.mark.parametrize("url_name", SCHOOL_WIDE_PAGES)
def test_a_second_schools_page_holds_nothing_of_the_first_schools_child(
    client, matrix_users, pupil, school_class, pair, record, url_name, role
):
    """Searched by part of the child's name (the whole name would be echoed in the search
    box), asked for the child's, class's and teacher's ids."""
    client.force_login(matrix_users[role])
    query = {
        "q": pupil.name[1:], "case_q": pupil.name[1:], "pupil": pupil.pk,
        "teacher": pair.teacher_id, "class": school_class.pk, "school_class": school_class.pk,
        "author": record.author_id, "pupil_id": pupil.pk, "all": "1", "ended": "1",
    }  # fmt: skip

    response = client.get(reverse(url_name), query)

    assert response.status_code in (200, 302, 403), response.status_code
    if response.status_code == 200:
        _nothing_of(pupil, _readable(response))


def test_the_second_schools_lists_and_exports_hold_their_own_child(
    client, matrix_users, second_school, pupil, record
):
    """The test above can fail: the same pages do show a child of the school asking."""
    client.force_login(matrix_users["other_school_admin"])
    own = second_school.pupil

    for name in ("registry:pupil_list", "registry:archive_export", "registry:register_xlsx"):
        assert own.name in _readable(client.get(reverse(name))), name
    unmasked = client.post(reverse("registry:archive_export_unmasked"), {"reason": "核对"})
    text = _readable(unmasked)
    assert own.id_number in text
    _nothing_of(pupil, text)


@pytest.mark.parametrize("role", ["bureau", "township"])
def test_the_county_readers_write_nothing_of_a_school(
    client, matrix_users, pupil, roster_upload, pair, record, role
):
    """Every school page refuses a POST from the bureau and the 中心学校 readers."""
    from registry.models import AccessLog, Pupil

    client.force_login(matrix_users[role])
    before = AccessLog.objects.exclude(actor=matrix_users[role]).count(), Pupil.objects.count()
    for name in URL_NAMES:
        if name.startswith("county:") or name in WITHOUT_A_SCHOOL:
            continue
        url = _url(name, pupil, pupil.school_class, roster_upload, pair, record)
        assert client.post(url, POST_DATA.get(name, {})).status_code == 403, name
    assert (AccessLog.objects.exclude(actor=matrix_users[role]).count(),
            Pupil.objects.count()) == before  # fmt: skip


@pytest.mark.parametrize("role", ["other_school_admin", "other_school_principal"])
def test_the_second_schools_staff_change_nothing_of_the_first_schools_objects(
    client, matrix_users, pupil, school_class, roster_upload, pair, record, role
):
    """Every URL naming an object of the first school refuses their POST."""
    client.force_login(matrix_users[role])
    for name in URL_NAMES:
        if not _takes_an_object(name) or name.startswith("county:"):
            continue
        url = _url(name, pupil, school_class, roster_upload, pair, record)
        status = client.post(url, POST_DATA.get(name, {})).status_code
        assert status in (403, 404, 405), (name, status)
