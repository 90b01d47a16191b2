"""The kept Pupil.archive_complete (and teacher_paired): after every kind of write to an archive,
the flag the county's dashboard counts is what its rule (archive_incomplete) says, counted
afresh, in the same transaction."""

import datetime
from pathlib import Path

import pytest

from pairing.selectors import has_teacher_pair
from registry import services
from registry.models import Pupil
from registry.selectors import archive_incomplete, missing_items
from tests.factories import make_id_number, make_pupil
from tests.registry.test_import import import_file, pupil_row, table_rows, write_xlsx

pytestmark = pytest.mark.django_db


def fresh_flags(pupil: Pupil) -> tuple[bool, bool]:
    """The pupil's archive_complete and teacher_paired counted now by their rules."""
    row = Pupil.with_pending.filter(pk=pupil.pk)
    return (not row.filter(archive_incomplete()).exists(), row.filter(has_teacher_pair()).exists())


def flags(pupil: Pupil) -> tuple[bool, bool]:
    """The pupil's kept flags (archive_complete, teacher_paired), which must be the fresh ones."""
    kept = Pupil.with_pending.values_list("archive_complete", "teacher_paired").get(pk=pupil.pk)
    assert kept == fresh_flags(pupil)
    return kept


def complete(pupil: Pupil) -> bool:
    return flags(pupil)[0]


def edit(actor, child: Pupil, /, **parts) -> None:
    services.archive_update(actor=actor, pupil=child, data=parts)


# --- creating and editing an archive ----------------------------------------------------------


def test_a_new_complete_archive_is_kept_complete(admin_user, school_class):
    assert flags(make_pupil(actor=admin_user, school_class=school_class)) == (True, False)


def test_a_new_archive_without_an_address_is_kept_incomplete(admin_user, school_class):
    assert not complete(make_pupil(actor=admin_user, school_class=school_class, address=""))


def test_clearing_an_item_and_filling_it_again_follow_in_the_flag(admin_user, pupil):
    edit(admin_user, pupil, pupil={"address": ""})
    assert not complete(pupil)

    edit(admin_user, pupil, pupil={"address": "青山镇青山村4组"})
    assert complete(pupil), missing_items(pupil)


def test_an_away_parents_phone_cleared_makes_the_archive_incomplete(admin_user, pupil):
    edit(admin_user, pupil, father={"phone": ""})

    assert not complete(pupil)


BIRTH = datetime.date(2017, 5, 1)


def test_a_guardian_added_completes_the_archive(admin_user, school_class):
    data = {
        "pupil": {
            "name": "李小兰", "gender": "F", "birth_date": BIRTH, "id_number": "",
            "student_number": "G1", "school_class": school_class, "address": "青山村",
            "guardianship_type": Pupil.Guardianship.GRANDPARENTS, "left_behind": "none",
        },
    }  # fmt: skip
    pupil = services.pupil_create(actor=admin_user, school=school_class.school, data=data)
    edit(admin_user, pupil, pupil={"id_number": make_id_number(BIRTH, "F")})
    assert not complete(pupil)  # no guardian yet

    guardian = {"name": "李奶奶", "relation": "祖母", "phone": "13812340000", "address": "青山村"}
    edit(admin_user, pupil, guardian=guardian)

    assert complete(pupil), missing_items(pupil)


def test_a_child_whose_parents_go_away_needs_their_contacts(admin_user, school_class):
    pupil = make_pupil(actor=admin_user, school_class=school_class, left_behind="none")
    empty = {"name": "", "phone": "", "work_place": ""}
    edit(admin_user, pupil, father=empty, mother=empty)
    assert complete(pupil)  # parents at home: their contacts are not asked

    edit(admin_user, pupil, pupil={"left_behind": "both"})
    assert not complete(pupil)

    edit(admin_user, pupil, pupil={"is_orphan": True})
    assert complete(pupil)  # nor those of an orphan's parents


def test_a_scrubbed_leavers_archive_is_no_longer_complete(admin_user, pupil):
    services.pupil_status_change(actor=admin_user, pupil=pupil, status=Pupil.Status.LEFT)
    assert complete(pupil)  # leaving changes no item

    assert services.pupil_scrub(pupil=pupil)

    assert not complete(pupil)


# --- the roster import -------------------------------------------------------------------------


def test_the_roster_import_keeps_the_flag_of_the_archives_it_creates_and_updates(
    admin_user, school_class, tmp_path: Path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    row = pupil_row(母亲电话="13600002222", 母亲务工地="浙江省义乌市", 监护人住址="青山村3组")
    import_file(admin_user, write_xlsx(tmp_path / "名册.xlsx", table_rows([row])))
    pupil = Pupil.objects.get()
    assert complete(pupil)

    # The next roster no longer gives the mother's phone.
    changed = row | {"母亲电话": ""}
    summary = import_file(admin_user, write_xlsx(tmp_path / "新名册.xlsx", table_rows([changed])))

    assert summary["updated"] == 1
    assert not complete(pupil)
