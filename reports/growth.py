"""A child's growth archive (成长档案): the archive, the contact card, the pairs, every care
record and the school's events the child joined in order of date, for one PDF. Counselling
content only for those who read it."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from events.models import Event
from events.selectors import events_of_pupil
from pairing.models import Pair, PairCheck
from pairing.selectors import contact_card_for
from registry.models import LeftBehindPeriod, Pupil, User
from registry.selectors import ContactCard, missing_items, shown_value
from visits.models import CareRecord, DropoutAction, DropoutCase, Emergency, EmergencyStep


@dataclass
class GrowthArchive:
    card: ContactCard
    id_number: str  # as this reader may see it
    student_number: str
    missing: list[str]
    periods: list[LeftBehindPeriod]
    pairs: list[Pair]  # oldest first, each with .plan (or none) and .checks_in_order
    records: list[CareRecord]  # oldest first, not voided, with .others and .attachment_count
    kinds: list[tuple[str, int]]  # (kind label, records), most first
    events: list[Event]  # the school's events the child joined, oldest first, not voided
    voided: int
    reads_counselling: bool
    watch_events: list
    emergencies: list[Emergency]
    dropout_cases: list[DropoutCase]
    printed_at: datetime.datetime
    printed_by: User

    @property
    def pupil(self) -> Pupil:
        return self.card.pupil


def _records(pupil: Pupil) -> QuerySet[CareRecord]:
    # Not pupil.care_records: counting "pupils" would reuse the join that picks this child.
    about_the_child = CareRecord.pupils.through.objects.filter(
        carerecord=OuterRef("pk"), pupil=pupil
    )
    return (
        CareRecord.objects.filter(Exists(about_the_child))
        .select_related("author")
        .annotate(
            children=Count("pupils", distinct=True),
            attachment_count=Count("attachments", distinct=True),
        )
    )


def growth_archive(user: User, pk: int) -> GrowthArchive:
    """The child's whole story for a reader of the archive (else 404), in a fixed number of
    queries whatever its length."""
    card = contact_card_for(user, pk)
    pupil = card.pupil
    every = list(_records(pupil).order_by("occurred_on", "pk"))
    records = [record for record in every if record.voided_at is None]
    for record in records:
        record.others = record.children - 1
    kinds = Counter(record.get_kind_display() for record in records)
    pairs = list(
        Pair.objects.filter(pupil=pupil)
        .select_related("teacher", "buddy", "volunteer", "plan")
        .prefetch_related(
            Prefetch(
                "checks",
                queryset=PairCheck.objects.select_related("checked_by").order_by("checked_on"),
                to_attr="checks_in_order",
            )
        )
        .order_by("started_on", "pk")
    )
    return GrowthArchive(
        card=card,
        id_number=shown_value(user, pupil, "pupil.id_number", pupil.id_number)[0],
        student_number=shown_value(user, pupil, "pupil.student_number", pupil.student_number)[0],
        missing=missing_items(pupil) if pupil.is_left_behind else [],
        periods=list(pupil.left_behind_periods.order_by("started_on", "pk")),
        pairs=pairs,
        records=records,
        kinds=kinds.most_common(),
        events=list(
            events_of_pupil(pupil)
            .select_related("school_class", "led_by")
            .order_by("occurred_on", "pk")
        ),
        voided=len(every) - len(records),
        reads_counselling=user.reads_counselling,
        watch_events=list(
            pupil.watch_events.select_related("answered_by").order_by("noticed_on", "pk")
        ),
        emergencies=list(
            pupil.emergencies.prefetch_related(
                Prefetch("steps", queryset=EmergencyStep.objects.order_by("step"))
            ).order_by("occurred_at")
        ),
        dropout_cases=list(
            pupil.dropout_cases.prefetch_related(
                Prefetch("actions", queryset=DropoutAction.objects.order_by("done_on", "pk"))
            ).order_by("opened_on", "pk")
        ),
        printed_at=timezone.localtime(),
        printed_by=user,
    )


def growth_archive_html(archive: GrowthArchive, request) -> str:
    """The PDF's HTML; the request is there for the contact card's masked phones."""
    return render_to_string(
        "reports/growth_archive_document.html", {"g": archive, "card": archive.card}, request
    )
