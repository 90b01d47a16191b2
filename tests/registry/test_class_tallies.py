"""The kept ClassTally rows (each class's counts the dashboard and the summary read): after every
kind of write that changes a pupil's class, status, left-behind status, categories,
guardianship, boarding, archive or teacher pair, the rows are a recount of the pupils by the
rules (class_tally_counts), in the same transaction; `recount_flags` rebuilds them."""

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from caresys.lib.periods import Period
from pairing import services as pairing_services
from registry import services
from registry.models import ClassTally, Pupil, School
from registry.selectors import class_tally_counts, kept_statistics, ledger_statistics
from reports.selectors import (
    _reached,
    _visits_by_class_kept,
    _visits_by_class_walked,
    children_by_class,
)
from tests.factories import make_pupil
from tests.registry.test_import import import_file, pupil_row, table_rows, write_xlsx

pytestmark = pytest.mark.django_db

END_REASON = "reassigned"


def recounted(school: School) -> dict:
    return {
        row.pop("school_class"): row
        for row in Pupil.objects.enrolled()
        .filter(school=school)
        .values("school_class")
        .annotate(**class_tally_counts())
        .order_by()
    }


def kept(school: School) -> dict:
    """The kept rows of the school, which must be a recount of its pupils."""
    rows = dict(ClassTally.objects.filter(school=school).values_list("school_class", "counts"))
    rows = {school_class: counts for school_class, counts in rows.items() if counts}
    assert rows == recounted(school)
    return rows


def edit(actor, child: Pupil, /, **parts) -> None:
    services.archive_update(actor=actor, pupil=child, data=parts)


def test_a_new_pupil_is_counted_in_the_class(admin_user, school, school_class):
    assert kept(school) == {}

    make_pupil(actor=admin_user, school_class=school_class, left_behind="mother", is_boarding=True)

    rows = kept(school)
    assert (rows[school_class.pk]["pupils"], rows[school_class.pk]["boarding"]) == (1, 1)


def test_archive_edits_move_the_counts(admin_user, school, pupil, other_class, school_class):
    edit(admin_user, pupil, pupil={"left_behind": "none"})
    assert kept(school)[school_class.pk]["away"] == 0
    edit(admin_user, pupil, pupil={"left_behind": "father", "is_orphan": True})
    edit(admin_user, pupil, pupil={"guardianship_type": "relatives", "is_boarding": True})
    edit(admin_user, pupil, pupil={"address": ""})  # the archive is no longer complete
    assert kept(school)[school_class.pk]["complete"] == 0

    edit(admin_user, pupil, pupil={"school_class": other_class})

    rows = kept(school)
    assert school_class.pk not in rows  # no enrolled pupil left there
    assert rows[other_class.pk]["is_orphan"] == rows[other_class.pk]["guardianship_relatives"] == 1
    edit(admin_user, pupil, pupil={"school_class": None})
    assert kept(school)[None]["pupils"] == 1


def test_the_schools_care_categories_and_a_childs_category_move_the_care_counts(
    admin_user, school, pupil, school_class
):
    """The 关爱对象 each class keeps (the board's coverage) follow the school's chosen
    categories and an archive edit of a child's category or left-behind status."""
    edit(admin_user, pupil, pupil={"left_behind": "none", "is_orphan": True})
    assert kept(school)[school_class.pk]["care"] == 0

    services.school_care_categories_set(school=school, categories=["is_orphan"])
    assert kept(school)[school_class.pk]["care"] == 1
    edit(admin_user, pupil, pupil={"is_orphan": False})
    assert kept(school)[school_class.pk]["care"] == 0
    edit(admin_user, pupil, pupil={"left_behind": "mother"})
    assert kept(school)[school_class.pk]["care"] == 1


def test_leaving_coming_back_and_the_years_end(admin_user, school, pupil, other_pupil):
    services.pupil_status_change(actor=admin_user, pupil=pupil, status=Pupil.Status.LEFT)
    assert pupil.school_class_id not in kept(school)
    # The class's emptied row is no row of the statistics, as the walk has none for it.
    assert kept_statistics(school_id=school.pk) == ledger_statistics(
        pupils=Pupil.objects.filter(school=school)
    )
    services.pupil_status_change(actor=admin_user, pupil=pupil, status=Pupil.Status.ENROLLED)
    assert kept(school)[pupil.school_class_id]["pupils"] == 1

    services.classes_promote(actor=admin_user, top_grade=4, head_teachers={})

    assert list(kept(school)) == [pupil.school_class_id]  # 四年级 graduated


def test_a_teacher_pair_and_its_teachers_account(admin_user, school, pupil, pair_teacher):
    def pair() -> object:
        return pairing_services.pair_create(
            actor=admin_user, pupil=pupil, kind="teacher", teacher=pair_teacher
        )

    pairing_services.pair_end(actor=admin_user, pair=pair(), reason=END_REASON)
    assert kept(school)[pupil.school_class_id]["paired"] == 0
    pair()
    assert kept(school)[pupil.school_class_id]["paired"] == 1

    services.staff_deactivate(actor=admin_user, user=pair_teacher)

    assert kept(school)[pupil.school_class_id]["paired"] == 0


def test_a_scrubbed_leaver(admin_user, school, pupil):
    services.pupil_status_change(actor=admin_user, pupil=pupil, status=Pupil.Status.LEFT)
    assert services.pupil_scrub(pupil=pupil)
    kept(school)


def test_the_roster_import_counts_its_pupils_once_published(
    admin_user, school, school_class, tmp_path: Path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    row = pupil_row()
    import_file(admin_user, write_xlsx(tmp_path / "名册.xlsx", table_rows([row])))
    assert kept(school)[school_class.pk]["pupils"] == 1

    changed = row | {"留守情况": "非留守"}
    import_file(admin_user, write_xlsx(tmp_path / "新名册.xlsx", table_rows([changed])))

    assert kept(school)[school_class.pk]["away"] == 0


def test_recount_flags_rebuilds_the_rows(admin_user, school, pupil, other_pupil):
    ClassTally.objects.all().delete()
    Pupil.objects.filter(pk=pupil.pk).update(left_behind="none")  # past the services

    call_command("recount_flags", stdout=None)

    assert kept(school)[pupil.school_class_id]["away"] == 0


def test_the_kept_statistics_are_the_ledgers(known_school, school):
    assert kept_statistics(school_id=school.pk) == ledger_statistics(
        pupils=Pupil.objects.filter(school=school)
    )


def test_todays_figures_by_class_from_the_kept_rows_are_those_of_a_walk(known_school, school):
    """What the dashboard and this term's summary read (the kept rows) is what the walk of the
    pupils by class that a past day's figures take counts for today."""
    today = timezone.localdate()
    visited = _reached(
        school.pk, Period(today - datetime.timedelta(days=30), today), None, "home_visit"
    )

    statistics, by_class = _visits_by_class_kept(school.pk, children_by_class(school.pk, visited))
    walked_statistics, walked = _visits_by_class_walked(school.pk, visited, today, 0)

    assert by_class == walked
    assert [(row.label, row.grade, row.counts) for row in statistics.rows] == [
        (row.label, row.grade, row.counts) for row in walked_statistics.rows
    ]
    assert sum(row["visited"] for row in by_class) == 1
