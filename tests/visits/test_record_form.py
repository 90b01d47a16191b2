"""The record form fits the hand: children found by name, pinyin or initials (one's own first),
the last kind offered again, errors beside what they are about, 记录关爱 at the top of a
child's page, and a form that costs the same whether the school has fifty children or five
thousand."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from pairing import services as pairing_services
from tests.factories import make_pupil
from tests.registry.test_query_counts import add_pupils, queries_for
from visits import services
from visits.models import CareRecord

pytestmark = pytest.mark.django_db
FORM = reverse("visits:record_create")
SEARCH = reverse("visits:record_pupils")


def checkbox_names(response) -> list[str]:
    """The children the form lists, in its order (the label's text before any mark)."""
    html = response.content.decode()
    labels = re.findall(r'<label class="form-check-label" for="id_pupils_\d+">([^<（ ]+)', html)
    return labels


@pytest.fixture
def class_of_three(admin_user, school_class, pupil, pair_teacher, other_pupil):
    """王小明 (left-behind) and two classmates who are not, 赵强 and 钱多, in 三年级(1)班."""
    zhao = make_pupil(actor=admin_user, school_class=school_class, name="赵强", left_behind="none")
    qian = make_pupil(actor=admin_user, school_class=school_class, name="钱多", left_behind="none")
    return pupil, zhao, qian


def test_a_class_teacher_sees_their_left_behind_and_paired_children_first(
    client, admin_user, class_teacher, class_of_three, other_pupil
):
    qian = class_of_three[2]
    # 钱多 is not left-behind but paired with the class teacher: one of "mine" too.
    pairing_services.pair_create(
        actor=admin_user, pupil=qian, kind="teacher", teacher=class_teacher
    )
    client.force_login(class_teacher)

    response = client.get(FORM)

    assert checkbox_names(response) == ["钱多", "王小明", "赵强"]
    html = response.content.decode()
    assert "我的留守儿童和结对儿童" in html and "其他儿童" in html
    assert "钱多（结对）" in html and "王小明（留守）" in html
    assert "李小红" not in html  # another class's child


@pytest.mark.parametrize("typed", ["王小", "wangxiaoming", "WXM", "xm"])
def test_the_search_finds_a_child_by_name_pinyin_or_initials(
    client, admin_user, class_of_three, typed
):
    client.force_login(admin_user)

    found = client.get(SEARCH, {"q": typed}).json()["pupils"]

    assert [pupil["label"] for pupil in found] == ["王小明（留守）"]
    assert found[0]["class"] == "三年级(1)班"


def test_the_search_finds_only_children_one_may_write_for_and_at_most_twenty(
    client, admin_user, class_teacher, school_class, other_class, pupil, other_pupil
):
    add_pupils(admin_user, [school_class, other_class], 30)  # 赵小明, 钱小明 … in both classes
    client.force_login(class_teacher)
    mine = client.get(SEARCH, {"q": "小"}).json()["pupils"]
    client.force_login(admin_user)
    everyone = client.get(SEARCH, {"q": "小"}).json()["pupils"]

    assert len(mine) == 16  # 王小明 and the 15 of 三年级(1)班
    assert "李小红" not in {pupil["label"] for pupil in mine}
    assert len(everyone) == 20
    assert client.get(SEARCH).json() == {"pupils": []}


def test_the_principal_who_records_nothing_cannot_search_either(client, principal, pupil):
    client.force_login(principal)

    assert client.get(SEARCH, {"q": "王"}).status_code == 403


def test_the_registrar_is_not_sent_every_child_of_the_school(
    client, admin_user, school_class, other_class, pupil, other_pupil
):
    add_pupils(admin_user, [school_class, other_class], 10)
    client.force_login(admin_user)

    empty = client.get(FORM)
    chosen = client.get(FORM, {"pupil": pupil.pk})

    assert checkbox_names(empty) == []
    assert "输入姓名、拼音或首字母，再按“查找”。" in empty.content.decode()
    assert checkbox_names(chosen) == ["王小明"]


def test_find_without_javascript_lists_the_matches_and_keeps_what_was_typed(
    client, admin_user, school_class, other_class, pupil, other_pupil
):
    client.force_login(admin_user)
    typed = {"kind": "talk", "occurred_on": timezone.localdate(), "content": "谈了学习的事"}

    found = client.post(FORM, typed | {"q": "lxh", "pupils": [pupil.pk], "find": "1"})
    saved = client.post(FORM, typed | {"q": "lxh", "pupils": [pupil.pk, other_pupil.pk]})

    assert found.status_code == 200
    assert checkbox_names(found) == ["王小明", "李小红"]
    html = found.content.decode()
    assert "谈了学习的事" in html and "data-error-summary" not in html
    assert f'value="{pupil.pk}" class="form-check-input" id="id_pupils_0" checked' in html
    assert saved.status_code == 302
    assert set(CareRecord.objects.get().pupils.all()) == {pupil, other_pupil}


def test_the_form_offers_the_kind_of_the_last_record_unless_the_link_names_one(
    client, class_teacher, pupil
):
    client.force_login(class_teacher)
    first = client.get(FORM).context["form"]["kind"].value()
    services.record_create(actor=class_teacher, pupils=[pupil], kind="family_call", content="x")

    again = client.get(FORM).context["form"]["kind"].value()
    named = client.get(FORM, {"kind": "home_visit"}).context["form"]["kind"].value()

    assert first is None
    assert again == "family_call"
    assert named == "home_visit"


def test_a_missing_child_is_said_under_the_childrens_legend_and_in_the_summary(
    client, class_teacher, pupil
):
    client.force_login(class_teacher)

    response = client.post(
        FORM, {"kind": "talk", "occurred_on": timezone.localdate(), "content": "谈心"}
    )

    html = response.content.decode()
    summary = html.index('role="alert"')
    legend, error, first_child = (
        html.index("<legend"),
        html.index('id="pupils-errors"'),
        html.index('name="pupils"'),
    )
    assert summary < legend < error < first_child
    assert 'href="#pupils-field">儿童</a>：这个字段是必填项。' in html[summary:legend]
    assert 'aria-describedby="pupils-errors"' in html


def test_a_childs_page_offers_record_care_at_the_top_with_the_child_chosen(
    client, class_teacher, principal, pupil
):
    client.force_login(class_teacher)
    page = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()
    link = f'href="{FORM}?pupil={pupil.pk}">记录关爱</a>'
    form = client.get(f"{FORM}?pupil={pupil.pk}")
    client.force_login(principal)
    principals = client.get(reverse("registry:pupil_detail", args=[pupil.pk])).content.decode()

    assert page.count(link) == 1
    assert page.index(link) < page.index("</h1>") + 400 < page.index("基本情况")
    assert checkbox_names(form) == ["王小明"]
    assert "checked" in form.content.decode().split('name="pupils"')[1].split(">")[0]
    assert "记录关爱</a>" not in principals


# The menu's unread-notification count is one of them.
@pytest.mark.parametrize(("role", "expected"), [("class_teacher", 6), ("admin", 5)])
def test_the_form_costs_as_many_queries_for_a_full_school_as_for_one_child(
    client, django_assert_num_queries, users_by_role, admin_user, school_class, other_class,
    pupil, role, expected,
):  # fmt: skip
    client.force_login(users_by_role[role])
    with_one = queries_for(client, FORM)
    add_pupils(admin_user, [school_class, other_class], 40)
    services.record_create(actor=users_by_role[role], pupils=[pupil], kind="talk", content="x")

    with django_assert_num_queries(expected) as with_forty:
        response = client.get(FORM, {"pupil": pupil.pk})

    assert with_one == len(with_forty)
    assert len(checkbox_names(response)) == (21 if role == "class_teacher" else 1)


def test_a_talk_given_an_amount_is_refused_on_the_form_and_not_saved(client, class_teacher, pupil):
    """The form leaves the record's check constraints to the service's validation: a broken
    one still comes back on the form, and nothing is written."""
    client.force_login(class_teacher)

    response = client.post(
        FORM,
        {
            "kind": "talk",
            "occurred_on": timezone.localdate(),
            "content": "谈心",
            "pupils": [pupil.pk],
            "amount": "100",
        },
    )

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not CareRecord.objects.exists()


def _as_crispy_would_write(response) -> str:
    """The record form's page as crispy's `as_crispy_field` would write every field: the
    template as it was before caresys.lib.fieldtags, with the view's own context."""
    source = Path(django_settings.BASE_DIR, "templates/visits/record_form.html").read_text()
    assert "|as_field" in source
    source = source.replace("|as_field", "|as_crispy_field").replace(
        "{% load static i18n fields %}", "{% load static i18n crispy_forms_tags %}"
    )
    context = {name: response.context[name] for name in ("form", "query", "whole_school")}
    return engines["django"].from_string(source).render(context, response.wsgi_request)


def _collapsed(html: str) -> str:
    """The HTML as a browser lays it out: each run of whitespace one space, CSRF tokens out."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r"\s+", " ", html).strip()


@pytest.mark.parametrize(
    "sent",
    [
        None,
        {"kind": "talk", "content": "", "amount": "x", "guides_mind": "on", "follow_up": "y"},
    ],
    ids=["new", "with errors"],
)
def test_the_form_writes_its_fields_as_crispy_does_without_its_templates(
    client, class_teacher, pupil, sent
):
    """The fields are written in Python (crispy's templates were ~40 % of the form's CPU):
    the same elements, attributes, labels and messages, whitespace aside."""
    client.force_login(class_teacher)

    response = client.get(FORM) if sent is None else client.post(FORM, sent)

    assert response.status_code == 200
    rendered = [template.name for template in response.templates]
    assert "bootstrap5/field.html" not in rendered
    html = response.content.decode()
    assert ('class="invalid-feedback"' in html) == (sent is not None)
    assert _collapsed(html) == _collapsed(_as_crispy_would_write(response))


# The children's checkboxes as _pupil_picker.html's template loop wrote them before
# visits_tags.picker_choices.
PICKER_LOOP = """{% load i18n %}{% for choice in form.pupils %}{% with pupil=choice.data.value.instance %}
    {% ifchanged pupil.mine %}{% if pupil.mine %}<div class="small text-body-secondary" data-picker-group>{% translate "我的留守儿童和结对儿童" %}</div>{% elif not forloop.first %}<div class="small text-body-secondary mt-1" data-picker-group>{% translate "其他儿童" %}</div>{% endif %}{% endifchanged %}
    <div class="form-check mb-0" data-picker-option data-search="{{ pupil.name }} {{ pupil.name_pinyin }} {{ pupil.name_initials }}">
      {% with widget=choice.data %}<input type="{{ widget.type }}" name="{{ widget.name }}" value="{{ widget.value|stringformat:'s' }}"{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}{% if value is not True %}="{{ value|stringformat:'s' }}"{% endif %}{% endif %}{% endfor %}>{% endwith %}<label class="form-check-label" for="{{ choice.id_for_label }}">{{ choice.choice_label }}{% if whole_school %} <small class="text-body-secondary">{{ pupil.school_class|default:"" }}</small>{% endif %}</label>
    </div>
    {% endwith %}{% endfor %}"""  # noqa: E501


@pytest.mark.parametrize(
    ("role", "chosen"), [("class_teacher", False), ("class_teacher", True), ("admin", True)]
)
def test_the_childrens_checkboxes_are_written_as_the_template_loop_wrote_them(
    client, admin_user, class_teacher, class_of_three, role, chosen
):
    pupil, zhao, qian = class_of_three
    pairing_services.pair_create(
        actor=admin_user, pupil=qian, kind="teacher", teacher=class_teacher
    )
    make_pupil(actor=admin_user, school_class=zhao.school_class, name='<b>&"引号"</b>')
    client.force_login(class_teacher if role == "class_teacher" else admin_user)

    response = client.get(FORM, {"pupil": [pupil.pk, zhao.pk]} if chosen else {})

    html = response.content.decode()
    context = {name: response.context[name] for name in ("form", "whole_school")}
    loop = engines["django"].from_string(PICKER_LOOP).render(context, response.wsgi_request)
    assert loop.count("data-picker-option ") == (4 if role == "class_teacher" else 2)
    assert loop in html
