"""Who gets what from each pairing page, for the matrix in tests/registry/test_permissions.py,
and the roles and shorthands that matrix uses.

The matrix's pupil is paired with the pair teacher ("pair_teacher"); "class_teacher" heads the
pupil's class; a pair URL takes that pair's pk, teacher_leave the pair teacher's.
"""

# A redirect to the login page, remembering where the person was going.
LOGIN = "login"
ROLES = (
    "admin",
    "principal",
    "class_teacher",
    "other_class_teacher",
    "pair_teacher",
    "counsellor",
    "moral_lead",
    "anonymous",
)
EVERYONE_SIGNED_IN = dict.fromkeys(ROLES, 200) | {"anonymous": LOGIN}
# Those who run pairing: the administrator and the principal.
MANAGERS = dict.fromkeys(ROLES, 403) | {"admin": 200, "principal": 200, "anonymous": LOGIN}
ADMIN_ONLY = dict.fromkeys(ROLES, 403) | {"admin": 200, "anonymous": LOGIN}
# Everyone who reads the pupil's archive (and so its pairs); the rest get 404.
READERS_OF_THE_PUPIL = {
    "admin": 200,
    "principal": 200,
    "class_teacher": 200,
    "other_class_teacher": 404,
    "pair_teacher": 200,
    "counsellor": 200,
    # The 德育主任 reads events and the names in them, not archives.
    "moral_lead": 404,
    "anonymous": LOGIN,
}
# The author of the matrix's record (the class teacher) and the administrator change it.
AUTHOR_AND_ADMIN = READERS_OF_THE_PUPIL | {"principal": 403, "pair_teacher": 403, "counsellor": 403}
# Managers and the pair's own teacher write its plan and checks; other readers get 403.
WRITERS_OF_THE_PAIR = READERS_OF_THE_PUPIL | {"class_teacher": 403, "counsellor": 403}

# The teachers on duty in the matrix's room slot (the class teacher) and the managers.
ON_DUTY = dict.fromkeys(ROLES, 404) | {
    "admin": 200,
    "principal": 200,
    "class_teacher": 200,
    "anonymous": LOGIN,
}

PAIRING_EXPECTED: dict[str, dict[str, int | str]] = {
    "pairing:board": MANAGERS,
    # Without a proposal the managers are sent back to the board.
    "pairing:suggestions_confirm": MANAGERS | {"admin": 302, "principal": 302},
    "pairing:pair_create": MANAGERS,
    "pairing:pair_detail": READERS_OF_THE_PUPIL,
    "pairing:plan_edit": WRITERS_OF_THE_PAIR,
    "pairing:check_create": WRITERS_OF_THE_PAIR,
    "pairing:pair_end": MANAGERS,
    "pairing:settings": ADMIN_ONLY,
    "pairing:volunteer_list": MANAGERS,
    "pairing:teacher_leave": MANAGERS,
    "pairing:year_end": ADMIN_ONLY,
    # The pupil's editors (administrator, head teacher) record a leaving; readers get 403.
    "pairing:pupil_leave": READERS_OF_THE_PUPIL
    | {"principal": 403, "pair_teacher": 403, "counsellor": 403},
    # Everyone has "my children" and a register of the pairs they read (maybe empty).
    "pairing:my_children": EVERYONE_SIGNED_IN,
    "pairing:register": EVERYONE_SIGNED_IN,
    "pairing:register_xlsx": EVERYONE_SIGNED_IN,
    # Care records: teachers of the child, counsellors and the administrator write; those
    # who only read (the principal) have nothing to record, nor has the 德育主任 (who records
    # events); a pupil's readers note 五必访.
    "visits:record_create": EVERYONE_SIGNED_IN | {"principal": 403, "moral_lead": 403},
    # The record form's search of the children one writes for: as the form.
    "visits:record_pupils": EVERYONE_SIGNED_IN | {"principal": 403, "moral_lead": 403},
    # Everyone's own list (the children they answer for; maybe none).
    "visits:work_list": EVERYONE_SIGNED_IN,
    "visits:settings": ADMIN_ONLY,
    "visits:compliance": MANAGERS,
    "visits:record_detail": READERS_OF_THE_PUPIL,
    "visits:watch_create": READERS_OF_THE_PUPIL,
    "visits:record_list": EVERYONE_SIGNED_IN,
    # The matrix's record is the class teacher's: its author and the administrator change it;
    # its other readers get 403. Adding attachments answers with the record page.
    "visits:record_correct": AUTHOR_AND_ADMIN,
    "visits:record_void": AUTHOR_AND_ADMIN,
    # A principal marks a high-risk counselling record seen (the matrix's talk is not one: the
    # principal is sent home with a message); no one else has the alert.
    "visits:record_seen": dict.fromkeys(ROLES, 403) | {"principal": 302, "anonymous": LOGIN},
    "visits:attachment_add": AUTHOR_AND_ADMIN | {"admin": 302, "class_teacher": 302},
    "visits:attachment": READERS_OF_THE_PUPIL,
    # A class's overview: its head teacher and those who read the whole school.
    "visits:class_overview": READERS_OF_THE_PUPIL | {"pair_teacher": 404},
    # Anyone reports an emergency about a child they read; the matrix's emergency was reported
    # by the class teacher, who handles it with the principal and the administrator.
    "visits:emergency_list": EVERYONE_SIGNED_IN,
    "visits:emergency_create": EVERYONE_SIGNED_IN,
    "visits:emergency_detail": READERS_OF_THE_PUPIL,
    "visits:emergency_step": READERS_OF_THE_PUPIL | {"pair_teacher": 403, "counsellor": 403},
    "visits:emergency_close": MANAGERS,
    # The mandatory report (强制报告) is recorded by those who record the steps (an empty form
    # answers with the page).
    "visits:emergency_report": READERS_OF_THE_PUPIL | {"pair_teacher": 403, "counsellor": 403},
    # The child's teachers, the principal and the administrator watch for dropping out.
    "visits:dropout_list": EVERYONE_SIGNED_IN,
    "visits:dropout_create": READERS_OF_THE_PUPIL | {"counsellor": 403},
    "visits:dropout_detail": READERS_OF_THE_PUPIL,
    # The rooms: everyone sees the schedule and their own duty today; the registrar and the
    # principal set rooms up and read the missed openings and a room's log. The matrix's slot
    # has the class teacher on duty; its opening's page is theirs and the managers' (others
    # 404); opening it today answers with that page; voiding without a reason goes back to it.
    "rooms:room_list": EVERYONE_SIGNED_IN,
    "rooms:room_create": MANAGERS,
    "rooms:slot_create": MANAGERS,
    # Changing a room or a slot, and stopping a slot: those who set them up.
    "rooms:room_edit": MANAGERS,
    "rooms:slot_edit": MANAGERS,
    "rooms:slot_stop": MANAGERS,
    "rooms:room_log": MANAGERS,
    "rooms:missed": MANAGERS,
    "rooms:today": EVERYONE_SIGNED_IN,
    "rooms:opening_create": ON_DUTY | {"admin": 302, "principal": 302, "class_teacher": 302},
    "rooms:opening": ON_DUTY,
    "rooms:use_void": ON_DUTY | {"admin": 302, "principal": 302, "class_teacher": 302},
    # Reports: the principal's and the administrator's.
    "reports:dashboard": MANAGERS,
    "reports:teacher_table": MANAGERS,
    "reports:teacher_table_xlsx": MANAGERS,
    # A child's growth archive: everyone who reads the child's archive.
    "reports:growth_archive": READERS_OF_THE_PUPIL,
    "reports:term_report_list": MANAGERS,
    "reports:term_report_edit": MANAGERS,
    "reports:term_report_preview": MANAGERS,
    "reports:term_report_generate": MANAGERS | {"admin": 302, "principal": 302},
    "reports:term_report_version": MANAGERS,
    "reports:term_report_compare": MANAGERS,
}
# Views that only answer POST, with what a real form would send.
PAIRING_POST_DATA: dict[str, dict] = {
    "pairing:suggestions_confirm": {},
    "visits:attachment_add": {},
    "visits:emergency_step": {},
    "visits:emergency_close": {},
    "visits:emergency_report": {},
    "visits:record_seen": {},
    "reports:term_report_generate": {},
    "rooms:opening_create": {},
    "rooms:use_void": {},
}
# URLs whose pk is the pair's, and those whose pk is the pair teacher's.
PAIR_URLS = {
    "pairing:pair_detail",
    "pairing:plan_edit",
    "pairing:check_create",
    "pairing:pair_end",
}
TEACHER_URLS = {"pairing:teacher_leave"}
# URLs whose pk is a care record's (one about the matrix's pupil), an emergency's or a dropout
# case's about that pupil.
RECORD_URLS = {
    "visits:record_detail",
    "visits:record_correct",
    "visits:record_void",
    "visits:attachment_add",
    "visits:record_seen",
}
EMERGENCY_URLS = {
    "visits:emergency_detail",
    "visits:emergency_step",
    "visits:emergency_report",
    "visits:emergency_close",
}
DROPOUT_URLS = {"visits:dropout_detail"}
# URLs whose pk is the matrix's room's, its slot's, its opening's and its use's.
ROOM_URLS = {"rooms:slot_create", "rooms:room_log", "rooms:room_edit"}
SLOT_URLS = {"rooms:opening_create", "rooms:slot_edit", "rooms:slot_stop"}
OPENING_URLS = {"rooms:opening"}
USE_URLS = {"rooms:use_void"}
# URLs whose pk is a term's, and a generated summary version's.
TERM_URLS = {
    "reports:term_report_edit",
    "reports:term_report_preview",
    "reports:term_report_generate",
}
VERSION_URLS = {"reports:term_report_version", "reports:term_report_compare"}
