"""Leavers' data is kept only as long as the school says (PIPL art. 19): scrub_leavers lists,
then clears the personal fields of leavers past that time and keeps what the summaries count."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from caresys.lib.periods import Period
from pairing import services as pairing_services
from registry import services
from registry.models import AccessLog, ArchiveRevision, Consent, Guardian, Parent, Pupil
from reports.selectors import term_numbers
from tests.factories import consent_to, make_pupil
from tests.visits.files import png_upload
from visits import services as visits_services
from visits.models import CareRecord

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def leave(actor, pupil, *, years_ago: float) -> Pupil:
    """The pupil graduated that long ago (the leaving day set back by hand)."""
    services.pupil_status_change(actor=actor, pupil=pupil, status=Pupil.Status.GRADUATED)
    left_on = TODAY - datetime.timedelta(days=round(365.25 * years_ago))
    Pupil.objects.filter(pk=pupil.pk).update(left_on=left_on)
    return Pupil.objects.get(pk=pupil.pk)


def scrub(*args: str) -> str:
    out = io.StringIO()
    call_command("scrub_leavers", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def leavers(admin_user, school_class, pupil):
    """王小明 left four years ago (past the default three), 李小花 two years ago, 赵小军 is at
    school."""
    recent = make_pupil(actor=admin_user, school_class=school_class, name="李小花", gender="F")
    make_pupil(actor=admin_user, school_class=school_class, name="赵小军")
    return leave(admin_user, pupil, years_ago=4), leave(admin_user, recent, years_ago=2)


def test_leaving_sets_the_leaving_day_and_coming_back_clears_it(admin_user, pupil):
    services.pupil_status_change(actor=admin_user, pupil=pupil, status=Pupil.Status.LEFT)
    pupil.refresh_from_db()
    assert pupil.left_on == TODAY

    services.pupil_status_change(actor=admin_user, pupil=pupil, status=Pupil.Status.ENROLLED)
    pupil.refresh_from_db()
    assert pupil.left_on is None


def test_by_default_it_lists_only_the_leavers_past_the_retention_time_and_changes_nothing(
    leavers,
):
    old, _recent = leavers

    out = scrub()

    assert "离校超过 3 年的学生 1 名" in out
    assert f"档案编号 {old.pk} 王小明（三年级(1)班，已毕业，{old.left_on:%Y-%m-%d}离校）" in out
    assert "李小花" not in out and "赵小军" not in out
    assert "共 1 名离校学生待清除个人信息" in out
    assert Pupil.objects.get(pk=old.pk).name == "王小明"


def test_the_schools_retention_time_decides_who_is_past_it(school, leavers):
    school.leaver_retention_years = 1
    school.save()

    assert "共 2 名离校学生待清除个人信息" in scrub()


def test_apply_clears_the_personal_fields_and_keeps_what_the_summaries_count(
    admin_user, leavers, media
):
    old, recent = leavers
    consent_to(old)
    before = Pupil.objects.get(pk=old.pk)

    out = scrub("--apply")

    assert "王小明" not in out  # a run's log names no one
    assert f"档案编号 {old.pk}（已毕业，{old.left_on:%Y-%m-%d}离校）的个人信息已清除。" in out
    assert "共清除 1 名离校学生的个人信息" in out
    pupil = Pupil.objects.get(pk=old.pk)
    assert (pupil.name, pupil.id_number, pupil.student_number, pupil.birth_date) == (
        "已清除", "", "", None,
    )  # fmt: skip
    assert (pupil.address, pupil.village, pupil.health) == ("", "", "")
    kept = ("school_class_id", "gender", "status", "left_behind", "guardianship_type", "left_on")
    assert [getattr(pupil, name) for name in kept] == [getattr(before, name) for name in kept]
    assert pupil.scrubbed_at is not None
    assert set(Parent.objects.filter(pupil=pupil).values_list("name", "phone")) == {("", "")}
    guardian = Guardian.objects.get(pupil=pupil)
    assert (guardian.name, guardian.phone, guardian.relation) == ("", "", "祖父")
    assert set(Consent.objects.filter(pupil=pupil).values_list("given_by", flat=True)) == {"已清除"}
    assert pupil.left_behind_periods.count() == 1
    # Nor does the history keep what was cleared.
    history = str(list(ArchiveRevision.objects.filter(pupil=pupil).values_list("changes")))
    assert "王小明" not in history and before.id_number not in history and "王德福" not in history
    assert ArchiveRevision.objects.filter(pupil=pupil).first().summary == "按保存期限清除个人信息"
    log = AccessLog.objects.filter(pupil=pupil).first()
    assert (log.action, log.detail) == ("update", "按保存期限清除个人信息")
    assert Pupil.objects.get(pk=recent.pk).name == "李小花"


def test_apply_deletes_the_photos_of_records_naming_only_the_leaver_and_keeps_the_rows(
    admin_user, school_class, pupil, media
):
    other = make_pupil(actor=admin_user, school_class=school_class, name="李小花", gender="F")
    consent_to(pupil, Consent.Purpose.PHOTOS)
    consent_to(other, Consent.Purpose.PHOTOS)
    create = visits_services.record_create
    own = create(actor=admin_user, pupils=[pupil], kind="home_visit", content="到王小明家家访",
                 uploads=[png_upload()])  # fmt: skip
    shared = create(actor=admin_user, pupils=[pupil, other], kind="talk", content="两人一起谈心",
                    uploads=[png_upload()])  # fmt: skip
    leave(admin_user, pupil, years_ago=4)
    own_photo = own.attachments.get()

    scrub("--apply")

    own.refresh_from_db()
    assert own.content == "已清除"
    scrubbed = own.attachments.get()
    assert scrubbed.scrubbed_at is not None and not scrubbed.file
    assert not (media / own_photo.file.name).exists()
    shared.refresh_from_db()
    assert shared.content == "两人一起谈心"  # about a child still at school too
    assert shared.attachments.get().file
    assert CareRecord.objects.filter(pk=own.pk).live().count() == 1  # the record still counts


def test_a_second_run_scrubs_nothing_more(leavers):
    scrub("--apply")
    revisions = ArchiveRevision.objects.count()

    out = scrub("--apply")

    assert "共清除 0 名" in out
    assert ArchiveRevision.objects.count() == revisions


def test_a_past_terms_numbers_are_the_same_after_scrubbing(admin_user, school, school_class, pupil):
    other = make_pupil(actor=admin_user, school_class=school_class, name="李小花", gender="F")
    teacher = school_class.head_teacher
    pairing_services.pair_create(actor=admin_user, pupil=pupil, kind="teacher", teacher=teacher)
    term_day = TODAY - datetime.timedelta(days=30)
    for kind in ("home_visit", "talk", "family_call"):
        visits_services.record_create(actor=admin_user, pupils=[pupil], kind=kind,
                                      content="记录", occurred_on=term_day)  # fmt: skip
    visits_services.record_create(actor=admin_user, pupils=[pupil, other], kind="symposium",
                                  content="座谈", occurred_on=term_day)  # fmt: skip
    leave(admin_user, pupil, years_ago=4)
    period = Period(TODAY - datetime.timedelta(days=120), TODAY, "学期")
    before = term_numbers(school=school, period=period).to_json()
    empty = term_numbers(school=school, period=Period(TODAY, TODAY)).to_json()
    assert before["care"] != empty["care"]  # the records are counted

    scrub("--apply")

    assert Pupil.objects.get(pk=pupil.pk).scrubbed_at is not None
    assert term_numbers(school=school, period=period).to_json() == before


def test_a_scrubbed_pupils_page_says_so(client, admin_user, leavers):
    old, _recent = leavers
    scrub("--apply")
    client.force_login(admin_user)

    page = client.get(reverse("registry:pupil_detail", args=[old.pk])).content.decode()

    assert "已清除（已按保存期限清除）" in page
    assert "登记或撤回" not in page and "编辑档案" not in page


def test_the_retention_time_is_on_the_schools_settings_page(client, admin_user, school):
    client.force_login(admin_user)

    page = client.get(reverse("admin:registry_school_change", args=[school.pk])).content.decode()

    assert "离校学生信息保存年限" in page and 'name="leaver_retention_years"' in page
