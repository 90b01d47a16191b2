"""The kept Pupil.in_care: after every kind of write that can change who is one of the school's
关爱对象 (a new archive, an edit of the left-behind status or a category, the roster import, the
school choosing its categories, leaving, scrubbing), the flag the care pages find their children
by is what the rule in_care() says, counted afresh; `recount_flags` rebuilds it."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from registry import services
from registry.models import Pupil, in_care
from tests.registry.test_import import import_file, pupil_row, table_rows, write_xlsx

pytestmark = pytest.mark.django_db


def kept_in_care(pupil: Pupil) -> bool:
    """The pupil's kept in_care, which must be the rule's answer counted now."""
    row = Pupil.with_pending.select_related("school").get(pk=pupil.pk)
    assert row.in_care == Pupil.with_pending.filter(in_care(row.school), pk=pupil.pk).exists()
    return row.in_care


def every_flag_is_the_rules(school) -> None:
    fresh = set(
        Pupil.with_pending.filter(in_care(school), school=school).values_list("pk", flat=True)
    )
    kept = set(Pupil.with_pending.filter(school=school, in_care=True).values_list("pk", flat=True))
    assert kept == fresh


def test_a_new_archive_is_kept_in_care_when_left_behind_only(admin_user, pupil, disabled):
    assert kept_in_care(pupil) and not kept_in_care(disabled)


def test_an_edit_of_the_left_behind_status_or_a_category_follows_in_the_flag(
    admin_user, school, pupil, disabled
):
    services.archive_update(actor=admin_user, pupil=pupil, data={"pupil": {"left_behind": "none"}})
    assert not kept_in_care(pupil)

    services.school_care_categories_set(school=school, categories=["is_orphan"])
    services.archive_update(actor=admin_user, pupil=pupil, data={"pupil": {"is_orphan": True}})
    assert kept_in_care(pupil)

    services.archive_update(
        actor=admin_user, pupil=pupil, data={"pupil": {"is_orphan": False, "left_behind": "both"}}
    )
    assert kept_in_care(pupil)
    every_flag_is_the_rules(school)


def test_the_school_choosing_a_category_takes_in_its_children(school, pupil, disabled):
    services.school_care_categories_set(school=school, categories=["is_disabled"])
    assert kept_in_care(disabled) and kept_in_care(pupil)
    assert list(Pupil.objects.in_care_enrolled(school).order_by("name_pinyin")) == [disabled, pupil]

    services.school_care_categories_set(school=school, categories=[])
    assert not kept_in_care(disabled) and kept_in_care(pupil)


def test_the_registrar_choosing_categories_on_the_schools_page_sets_the_flags(
    client, admin_user, school, disabled
):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:registry_school_change", args=[school.pk]),
        {"name": school.name, "leaver_retention_years": 3, "idle_timeout_minutes": 30,
         "care_categories": ["is_disabled"]},
    )  # fmt: skip

    assert response.status_code == 302
    assert kept_in_care(disabled)


def test_leaving_promoting_and_scrubbing_keep_the_flag_by_the_rule(admin_user, school, pupil):
    services.pupil_status_change(actor=admin_user, pupil=pupil, status=Pupil.Status.LEFT)
    assert kept_in_care(pupil)
    assert list(Pupil.objects.in_care_enrolled(school)) == []  # at school no more

    assert services.pupil_scrub(pupil=pupil)
    assert kept_in_care(pupil)
    services.classes_promote(actor=admin_user, top_grade=6, head_teachers={})
    every_flag_is_the_rules(school)


def test_the_roster_import_keeps_the_flag_of_the_archives_it_creates_and_updates(
    admin_user, school, school_class, tmp_path: Path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    services.school_care_categories_set(school=school, categories=["is_orphan"])
    row = pupil_row(留守情况="非留守", 孤儿="是")
    import_file(admin_user, write_xlsx(tmp_path / "名册.xlsx", table_rows([row])))
    pupil = Pupil.objects.get()
    assert kept_in_care(pupil)

    changed = row | {"孤儿": "否"}
    summary = import_file(admin_user, write_xlsx(tmp_path / "新名册.xlsx", table_rows([changed])))

    assert summary["updated"] == 1
    assert not kept_in_care(pupil)
    every_flag_is_the_rules(school)


def test_recount_flags_rebuilds_what_was_written_past_the_services(school, pupil, disabled):
    school.care_categories = ["is_disabled"]
    school.save(update_fields=["care_categories"])
    Pupil.objects.update(in_care=False)

    call_command("recount_flags", school=school.pk, stdout=io.StringIO())

    assert kept_in_care(pupil) and kept_in_care(disabled)
