"""The term summary: time and pages for the demo school (1,000 pupils) and a school of 5,000
(about 820 left-behind), beside WeasyPrint rendering the same final HTML alone.

`make bench`, or .venv/bin/python bench/bench_reports.py. Each size is seeded in its own
scratch database; the summary is generated RUNS times through the service (numbers, HTML,
PDF, saving the version) and the baseline renders the HTML of the last version RUNS times.
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import emit, in_scratch_database, seeded_school

SIZES = (1_000, 5_000)
SEED = 7
RUNS = 5


def run(pupils: int) -> None:
    import django

    django.setup()
    from django.utils import timezone

    from caresys.lib.pdf import html_to_pdf_pages
    from registry.models import LeftBehind, Pupil, Role, School, Term, User
    from reports import services
    from reports.document import document_html

    seeded_school(pupils, SEED)
    school = School.objects.get()
    principal = next(u for u in User.objects.filter(school=school) if u.has_role(Role.PRINCIPAL))
    term = Term.objects.current(school.pk, timezone.localdate())
    emit(
        f"summary_{pupils}_left_behind", Pupil.objects.exclude(left_behind=LeftBehind.NONE).count()
    )
    report = services.term_report_get_or_create(actor=principal, term=term)
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        version = services.term_report_generate(actor=principal, report=report)
        timings.append(time.perf_counter() - start)
    html = document_html(numbers=version.printed_numbers, texts=version.texts)
    alone = []
    for _ in range(RUNS):
        start = time.perf_counter()
        _pdf, pages = html_to_pdf_pages(html)
        alone.append(time.perf_counter() - start)
    summary, baseline = statistics.median(timings), statistics.median(alone)
    emit(f"summary_{pupils}_median_s", summary)
    emit(f"summary_{pupils}_pages", version.pages)
    emit(f"summary_{pupils}_weasyprint_alone_median_s", baseline)
    emit(f"summary_{pupils}_vs_weasyprint_ratio", summary / baseline)
    assert pages == version.pages


def main() -> None:
    """One process a size: Django reads its database settings once."""
    if len(sys.argv) > 1:
        pupils = int(sys.argv[1])
        in_scratch_database(f"caresys-bench-reports-{pupils}-", lambda _workdir: run(pupils))
        return
    for pupils in SIZES:
        subprocess.run([sys.executable, __file__, str(pupils)], check=True)


if __name__ == "__main__":
    main()
