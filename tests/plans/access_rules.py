"""Who gets what from each plans page, for the matrix in tests/registry/test_permissions.py.

The matrix's plan is the term's; its item is a 减免检查 the class teacher answers for."""

from tests.pairing.access_rules import EVERYONE_SIGNED_IN, LOGIN, ROLES

# The principal, the 德育主任 and the registrar edit the plan.
EDITORS = dict.fromkeys(ROLES, 403) | {
    "admin": 200,
    "principal": 200,
    "moral_lead": 200,
    "anonymous": LOGIN,
}

PLANS_EXPECTED: dict[str, dict[str, int | str]] = {
    # Every staff member reads the calendar and the plan.
    "plans:calendar": EVERYONE_SIGNED_IN,
    "plans:plan_list": EVERYONE_SIGNED_IN,
    "plans:plan_detail": EVERYONE_SIGNED_IN,
    "plans:plan_pdf": EVERYONE_SIGNED_IN,
    # The term has a plan already: drafting again goes back to the list with a message.
    "plans:plan_draft": EDITORS | {"admin": 302, "principal": 302, "moral_lead": 302},
    "plans:plan_edit": EDITORS,
    "plans:item_create": EDITORS,
    "plans:item_edit": EDITORS,
    "plans:item_void": EDITORS,
    # The item's responsible person (the class teacher) and the editors mark it done.
    "plans:item_done": EDITORS | {"class_teacher": 200},
}
PLANS_POST_DATA: dict[str, dict] = {"plans:plan_draft": {}}
PLAN_URLS = {"plans:plan_detail", "plans:plan_edit", "plans:plan_pdf", "plans:item_create"}
ITEM_URLS = {"plans:item_edit", "plans:item_done", "plans:item_void"}
PLAN_TERM_URLS = {"plans:plan_draft"}
