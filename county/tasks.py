"""The county's background tasks (django.tasks, run by `manage.py db_worker`)."""

from django_tasks import task

from county.services import count_school_term
from registry.models import Term


@task()
def count_terms(*, term_ids: list[int]) -> int:
    """Count and keep each term's figures at its school (重新统计); the number counted."""
    terms = Term.objects.filter(pk__in=term_ids).select_related("school_year__school")
    for term in terms:
        count_school_term(school=term.school_year.school, term=term)
    return len(terms)
