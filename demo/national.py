"""The civil-affairs form's fields for the demo's pupils, parents and guardians (issue 20).

A random stream of their own, so that the rest of the demo is what the same seed always gave.
"""

import datetime
import random

from caresys.lib.identity import id_check_digit
from registry.models import Assistance, LeftBehind, Parent, Pupil

# 隆回县 is mostly 汉族, with 瑶族 (花瑶) in the hills and a few 苗族, 土家族 and 侗族.
ETHNICITIES = (("01", 0.93), ("13", 0.04), ("06", 0.015), ("15", 0.01), ("12", 0.005))
ILLNESSES = ("哮喘", "先天性心脏病", "癫痫", "贫血", "肾病综合征")
COMMITTEE_SURNAMES = "刘李罗曾王谢周"


def seed_national_fields(rows: list, *, seed: str) -> None:
    """Fill the new fields of each (pupil, family) row before the rows are saved."""
    rng = random.Random(f"national-{seed}-{len(rows)}")
    committees: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    for pupil, family in rows:
        _pupil_fields(rng, pupil, committees)
        _parents(rng, pupil, family, used)
        _guardian(rng, family, used)


def _pupil_fields(rng: random.Random, pupil: Pupil, committees: dict) -> None:
    away = pupil.left_behind != LeftBehind.NONE
    roll, total = rng.random(), 0.0
    for code, share in ETHNICITIES:
        total += share
        if roll < total:
            pupil.ethnicity = code
            break
    pupil.hukou_place = f"湖南省邵阳市隆回县青山镇{pupil.village}"
    roll = rng.random()
    pupil.hukou_type = (
        Pupil.Hukou.RURAL if roll < 0.86 else Pupil.Hukou.RESIDENT if roll < 0.94 else
        Pupil.Hukou.NON_RURAL if roll < 0.98 else ""
    )  # fmt: skip
    pupil.hukou_registered = Pupil.HukouRegistered.YES
    if pupil.is_disabled:
        pupil.disability = rng.choice(Pupil.Disability.values)
        pupil.disability_grade = rng.choice(("2", "3", "3", "4", "4"))
    if rng.random() < 0.025:
        pupil.illness = rng.choice(ILLNESSES)
    if pupil.is_dropout:
        pupil.schooling = Pupil.Schooling.DROPPED_OUT
    if pupil.is_hardship and rng.random() < 0.4:
        pupil.family_income = Pupil.Income.WELFARE
    elif away:
        pupil.family_income = Pupil.Income.WAGES
    else:
        pupil.family_income = rng.choice(
            (Pupil.Income.FARMING, Pupil.Income.WAGES, Pupil.Income.BUSINESS)
        )
    assistance = []
    if pupil.is_hardship and rng.random() < 0.6:
        assistance.append(Assistance.DIBAO)
    if pupil.is_hardship and rng.random() < 0.1:
        assistance.append(Assistance.TEMPORARY)
    if (pupil.illness or pupil.is_disabled) and rng.random() < 0.5:
        assistance.append(Assistance.MEDICAL)
    if pupil.is_hardship and rng.random() < 0.05:
        assistance.append(Assistance.HOUSING)
    pupil.assistance = [value for value in Assistance.values if value in assistance]
    roll = rng.random()
    good, fair = (0.55, 0.93) if away else (0.8, 0.98)
    pupil.guardianship_assessment = (
        Pupil.Assessment.GOOD if roll < good else Pupil.Assessment.FAIR if roll < fair
        else Pupil.Assessment.POOR
    )  # fmt: skip
    if pupil.village not in committees:
        name = rng.choice(COMMITTEE_SURNAMES) + rng.choice(("建军", "红梅", "志强", "桂英"))
        committees[pupil.village] = (name, f"139{rng.randrange(10**8):08d}")
    pupil.committee_contact, pupil.committee_phone = committees[pupil.village]


def _adult_id(rng: random.Random, birth: datetime.date, male: bool, used: set[str]) -> str:
    while True:
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
        first17 = f"430524{birth:%Y%m%d}{sequence:03d}"
        number = first17 + id_check_digit(first17)
        if number not in used:
            used.add(number)
            return number


def _birth(rng: random.Random, year: int) -> datetime.date:
    return datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))


def _parents(rng: random.Random, pupil: Pupil, family: dict, used: set[str]) -> None:
    for relation in ("father", "mother"):
        parent: Parent = family[relation]
        if pupil.is_orphan or rng.random() < 0.08:  # not yet collected
            continue
        born = pupil.birth_date.year - rng.randint(23, 36)
        parent.birth_date = _birth(rng, born)
        parent.id_number = _adult_id(rng, parent.birth_date, relation == "father", used)
    # One parent away and the one at home seriously ill, disabled or in prison: a few.
    at_home = {LeftBehind.FATHER: "mother", LeftBehind.MOTHER: "father"}.get(pupil.left_behind)
    if at_home and rng.random() < 0.06:
        family[at_home].cannot_guard = True


def _guardian(rng: random.Random, family: dict, used: set[str]) -> None:
    guardian = family["guardian"]
    parent = {"父亲": family["father"], "母亲": family["mother"]}.get(guardian.relation)
    if parent is not None:  # the parent at home is the guardian: the same person
        guardian.id_number, guardian.birth_date = parent.id_number, parent.birth_date
        guardian.birth_year = parent.birth_date.year if parent.birth_date else guardian.birth_year
        return
    if not guardian.name or not guardian.birth_year or rng.random() < 0.1:
        return
    guardian.birth_date = _birth(rng, guardian.birth_year)
    male = guardian.relation in ("祖父", "外祖父", "舅舅", "伯父", "父亲")
    guardian.id_number = _adult_id(rng, guardian.birth_date, male, used)
