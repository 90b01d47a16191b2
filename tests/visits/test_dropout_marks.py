"""A pupil whose archive marks 辍学 needs a case in the dropout watch: the watch lists those
without one, so the summary, which counts dropouts from the watch alone, can be made to agree."""

from django.urls import reverse

from registry.models import Pupil
from visits import services


def test_the_dropout_watch_lists_a_child_marked_as_a_dropout_without_a_case(
    client, class_teacher, pupil, other_pupil
):
    Pupil.objects.filter(pk__in=[pupil.pk, other_pupil.pk]).update(is_dropout=True)
    client.force_login(class_teacher)

    response = client.get(reverse("visits:dropout_list"))

    assert list(response.context["unwatched"]) == [pupil]  # other_pupil is another class's
    assert reverse("registry:pupil_detail", args=[pupil.pk]) in response.content.decode()


def test_a_child_marked_as_a_dropout_leaves_that_list_once_a_case_is_opened(
    client, class_teacher, pupil
):
    Pupil.objects.filter(pk=pupil.pk).update(is_dropout=True)
    services.dropout_case_open(actor=class_teacher, pupil=pupil, reason="开学未到校")
    client.force_login(class_teacher)

    response = client.get(reverse("visits:dropout_list"))

    assert list(response.context["unwatched"]) == []
    assert "data-unwatched" not in response.content.decode()
