import pytest

from registry.models import AccessLog, ArchiveRevision
from registry.selectors import missing_items


@pytest.mark.django_db
def test_a_pupil_made_by_the_service_has_a_complete_archive_and_a_first_history_entry(pupil):
    assert missing_items(pupil) == []
    revision = ArchiveRevision.objects.get(pupil=pupil)
    assert revision.summary == "新建档案"
    assert {"key": "guardian.phone", "field": "监护人·电话", "old": "", "new": "13812341234"} in (
        revision.changes
    )
    assert AccessLog.objects.filter(pupil=pupil, action="create").count() == 1
