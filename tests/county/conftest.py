"""The county's fixtures: a county of four schools in two townships, and its readers."""

import pytest

from registry.models import Role
from tests.county.test_rollup import _school_with_children
from tests.factories import SchoolFactory, TownshipFactory, UserFactory


@pytest.fixture(autouse=True)
def media(media_root):
    return media_root


@pytest.fixture
def county(school, known_school):
    """白水镇: 青山镇中心小学 (the known school: 5 pupils, 3 left-behind), 白水镇龙潭村小
    (3 pupils, 2 left-behind, 2 home visits) and 白水镇石桥教学点 (no such term); 石门乡:
    石门乡中心小学 (2 pupils, 1 left-behind)."""
    baishui, shimen = TownshipFactory(name="白水镇"), TownshipFactory(name="石门乡")
    school.township = baishui
    school.save()
    longtan = _school_with_children(
        "白水镇龙潭村小", baishui, known_school, left_behind=["both", "father", "none"], visits=2
    )
    shiqiao = SchoolFactory(name="白水镇石桥教学点", township=baishui)
    shimen_school = _school_with_children(
        "石门乡中心小学", shimen, known_school, left_behind=["mother", "none"]
    )
    return {
        "baishui": baishui,
        "shimen": shimen,
        "schools": [school, longtan, shiqiao, shimen_school],
        "term": known_school,
    }


@pytest.fixture
def bureau(db):
    return UserFactory(school=None, roles=[Role.BUREAU], full_name="县教育局股长")


@pytest.fixture
def township_reader(county):
    central = county["schools"][0]
    return UserFactory(
        school=central, township=county["baishui"], roles=[Role.TOWNSHIP, Role.PRINCIPAL]
    )
