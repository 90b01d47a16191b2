"""Factories for tests. Pupils are made through the registry's service, as users make them."""

import datetime
import itertools

import factory

from caresys.lib.identity import id_check_digit
from registry import services
from registry.models import Consent, Guardian, Pupil, Role, School, SchoolClass, Township, User

_sequence = itertools.count(1)


def make_id_number(birth: datetime.date, gender: str = "M", area: str = "430524") -> str:
    """A valid GB 11643 number for the birth date and gender, unique within a test run."""
    serial = (next(_sequence) % 499) * 2 + (1 if gender == "M" else 0)
    first17 = f"{area}{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_digit(first17)


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    name = factory.Sequence(lambda n: f"测试镇{n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"测试小学{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"教师{n}")
    school = factory.SubFactory(SchoolFactory)
    roles = factory.LazyFunction(list)
    phone = "13900001111"
    password = factory.PostGenerationMethodCall("set_password", "test-pass-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    grade = 3
    number = factory.Sequence(lambda n: n + 1)


def make_pupil(
    *,
    actor: User,
    school_class: SchoolClass,
    name: str = "王小明",
    gender: str = "M",
    birth_date: datetime.date = datetime.date(2017, 3, 12),
    left_behind: str = "both",
    guardian_phone: str = "13812341234",
    **pupil_fields,
) -> Pupil:
    """A pupil with a complete archive, created through the service."""
    pupil_data = {
        "name": name,
        "gender": gender,
        "birth_date": birth_date,
        "id_number": make_id_number(birth_date, gender),
        "student_number": "",
        "school_class": school_class,
        "address": "青山镇青山村3组",
        "village": "青山村",
        "guardianship_type": Pupil.Guardianship.GRANDPARENTS,
        "left_behind": left_behind,
        **pupil_fields,
    }
    pupil_data["student_number"] = pupil_data["student_number"] or f"G{pupil_data['id_number']}"
    data = {
        "pupil": pupil_data,
        "father": {"name": "王建国", "phone": "13700001111", "work_place": "广东省东莞市"},
        "mother": {"name": "李秀英", "phone": "13600002222", "work_place": "浙江省义乌市"},
        "guardian": {
            "name": "王德福",
            "relation": "祖父",
            "phone": guardian_phone,
            "address": "青山镇青山村3组",
        },
    }
    return services.pupil_create(actor=actor, school=school_class.school, data=data)


ALL_ROLES = list(Role.values)


def consent_to(pupil: Pupil, *purposes: str, actor: User | None = None) -> list[Consent]:
    """The guardian's consent for each purpose (all four when none is named), as signed at the
    start of the year. Written directly: a test's set-up, not a change in the pupil's history."""
    guardian = Guardian.objects.filter(pupil=pupil).first()
    return [
        Consent.objects.create(
            pupil=pupil,
            purpose=purpose,
            given_by=guardian.name if guardian else "王德福",
            given_by_relation=guardian.relation if guardian else "祖父",
            given_on=datetime.date(2025, 9, 1),
            recorded_by=actor or User.objects.filter(school_id=pupil.school_id).first(),
        )
        for purpose in purposes or Consent.Purpose.values
    ]
