"""Who gets what from each events page, for the matrix in tests/registry/test_permissions.py.

The matrix's event is a 安全教育 lesson the class teacher held for the pupil's class."""

from tests.pairing.access_rules import LOGIN, ROLES

# Those who record events: the organisers (registrar, principal, 德育主任) and class teachers.
RECORDERS = dict.fromkeys(ROLES, 200) | {
    "pair_teacher": 403,
    "counsellor": 403,
    "anonymous": LOGIN,
}
# The matrix's event: the organisers and its class's teacher read it; the other class's
# teacher does not (404); roles without events get 404 too.
READERS_OF_THE_EVENT = RECORDERS | {
    "other_class_teacher": 404,
    "pair_teacher": 404,
    "counsellor": 404,
}

# Those who set the school's event quotas: the organisers.
ORGANISERS = dict.fromkeys(ROLES, 403) | {
    "admin": 200,
    "principal": 200,
    "moral_lead": 200,
    "anonymous": LOGIN,
}

EVENTS_EXPECTED: dict[str, dict[str, int | str]] = {
    "events:quota_settings": ORGANISERS,
    "events:event_list": RECORDERS,
    "events:event_create": RECORDERS,
    "events:birthday_list": RECORDERS,
    "events:event_detail": READERS_OF_THE_EVENT,
    # Its author (the class teacher) and the organisers void it.
    "events:event_void": READERS_OF_THE_EVENT,
    # Its photo: served to those who read the event; added and voided by those who may void
    # it (here the same people). 上传照片 without a file answers with the page and the error.
    "events:photo_add": READERS_OF_THE_EVENT,
    "events:photo": READERS_OF_THE_EVENT,
    "events:photo_void": READERS_OF_THE_EVENT,
}
EVENTS_POST_DATA: dict[str, dict] = {"events:photo_add": {}}
EVENT_URLS = {"events:event_detail", "events:event_void", "events:photo_add"}
EVENT_PHOTO_URLS = {"events:photo", "events:photo_void"}
