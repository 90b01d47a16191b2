"""Comparing a version of the term summary with a later one or with the data as it stands:
only the lines that differ, the changed numbers marked."""

from django.urls import reverse

from registry.models import School
from reports import services
from reports.compare import changes, marked, text_lines
from reports.models import TermReportVersion
from visits import services as visits_services


def _generate(principal, term) -> TermReportVersion:
    report = services.term_report_get_or_create(actor=principal, term=term)
    return services.term_report_generate(actor=principal, report=report)


def test_a_version_beside_the_data_now_shows_only_what_changed(
    client, principal, class_teacher, pupil, known_school
):
    version = _generate(principal, known_school)
    url = reverse("reports:term_report_compare", args=[version.pk])
    client.force_login(principal)
    assert client.get(url).context["rows"] == []

    visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="home_visit", content="再次家访"
    )
    response = client.get(url, {"to": "now"})

    [(old, new)] = [row for row in response.context["rows"] if "家访" in row[0]]
    assert "家访<mark>1</mark>次" in old and "家访<mark>2</mark>次" in new
    assert "第1版与现在的数据比较" in response.content.decode()


def test_two_versions_compare_in_order_whichever_is_asked_first(
    client, principal, class_teacher, pupil, known_school
):
    first = _generate(principal, known_school)
    visits_services.record_create(
        actor=class_teacher, pupils=[pupil], kind="talk", content="又一次谈心"
    )
    second = _generate(principal, known_school)
    client.force_login(principal)

    response = client.get(
        reverse("reports:term_report_compare", args=[second.pk]), {"to": first.pk}
    )

    assert (response.context["older"], response.context["newer"]) == (first, second)
    assert any("谈心<mark>1</mark>次" in old for old, _new in response.context["rows"])
    assert "第1版与第2版比较" in response.content.decode()


def test_another_schools_version_or_a_bad_target_is_not_found(client, principal, known_school):
    version = _generate(principal, known_school)
    client.force_login(principal)
    url = reverse("reports:term_report_compare", args=[version.pk])
    assert client.get(url, {"to": "x"}).status_code == 404
    assert client.get(url, {"to": version.pk + 100}).status_code == 404
    version.report.school = School.objects.create(name="另一所学校")
    version.report.save()
    assert client.get(url).status_code == 404


def test_the_text_of_a_document_is_one_line_per_paragraph_and_table_row():
    html = (
        "<head><title>x</title><style>p{}</style></head><h1>标题</h1><p>我校现有 <b>5</b> 人</p>"
        "<table><tr><th>年级</th><th>人数</th></tr><tr><td>三年级</td><td>3</td></tr></table>"
        "<svg><text>图表</text></svg>"
    )
    assert text_lines(html) == ["标题", "我校现有 5 人", "年级 | 人数", "三年级 | 3"]
    assert [(c.before, c.after) for c in changes(html, html.replace("3</td>", "4</td>"))] == [
        (["三年级 | 3"], ["三年级 | 4"])
    ]


def test_numbers_are_marked_whole_and_what_users_typed_is_escaped():
    old, new = marked("学生812人<b>", "学生815人<b>")
    assert old == "学生<mark>812</mark>人&lt;b&gt;"
    assert new == "学生<mark>815</mark>人&lt;b&gt;"
