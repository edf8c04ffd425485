"""The recipient's lifecycle: the table of moves, and the one service that makes them."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from accounts.models import Role
from portal.models import RecipientTransition, Status
from portal.services.lifecycle import TRANSITIONS, allowed_moves, recipient_transition
from portal.services.review import recipient_profile_update
from tests.factories import GENTENG, make_official
from tests.factories.portal import RecipientFactory

S = Status
REGISTRY_ROLES = (Role.DATA_OFFICER, Role.REVIEWER, Role.LEAD_REVIEWER, Role.ADMINISTRATOR)
NOT_IN_TABLE = [
    (origin, to)
    for origin, to in itertools.product(S.values, S.values)
    if (origin, to) not in TRANSITIONS
]
ALLOWED = [(pair, role) for pair, move in TRANSITIONS.items() for role in sorted(move.roles)]
REFUSED_ROLES = [
    (pair, role)
    for pair, move in TRANSITIONS.items()
    for role in REGISTRY_ROLES
    if role not in move.roles
]


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in their English source, whatever the Indonesian catalogue holds.
    translation.activate("en")


def official(role: str):
    return make_official(role, kecamatan=(GENTENG,) if role == Role.REVIEWER else (), totp=False)


def snapshot(recipient):
    recipient.refresh_from_db()
    return recipient.status, list(recipient.transitions.values_list("pk", flat=True))


def test_the_table_is_what_decisions_md_describes():
    # A guard against a quiet edit of the table: changing it means changing this on purpose.
    assert set(TRANSITIONS) == {
        (S.CANDIDATE, S.IN_REVIEW),
        (S.IN_REVIEW, S.PUBLISHED),
        (S.IN_REVIEW, S.CHANGES_REQUESTED),
        (S.IN_REVIEW, S.WITHDRAWN),
        (S.CHANGES_REQUESTED, S.IN_REVIEW),
        (S.PUBLISHED, S.REACHED),
        (S.PUBLISHED, S.SUSPENDED),
        (S.PUBLISHED, S.WITHDRAWN),
        (S.SUSPENDED, S.PUBLISHED),
        (S.SUSPENDED, S.WITHDRAWN),
        *((o, S.SERVED_ELSEWHERE) for o in ("candidate", "in_review", "changes_requested")),
        (S.PUBLISHED, S.SERVED_ELSEWHERE),
        (S.SUSPENDED, S.SERVED_ELSEWHERE),
        *((o, S.ERASED) for o in S.values if o != S.ERASED),
    }


@pytest.mark.parametrize(
    ("pair", "role"), ALLOWED, ids=lambda v: "-".join(v) if isinstance(v, tuple) else v
)
def test_every_move_in_the_table_succeeds_for_an_allowed_role_and_is_recorded(db, pair, role):
    origin, to = pair
    actor = official(role)
    recipient = RecipientFactory(status=origin, publishable=True)
    before = recipient.transitions.count()

    step = recipient_transition(
        recipient=recipient, to_status=to, actor=actor, reason="  checked on a visit  "
    )

    recipient.refresh_from_db()
    assert recipient.status == to
    assert recipient.transitions.count() == before + 1
    assert (step.actor, step.from_status, step.to_status) == (actor, origin, to)
    assert step.reason == "checked on a visit"
    assert step.created_at is not None
    assert RecipientTransition.objects.filter(pk=step.pk, actor=actor).exists()


@pytest.mark.parametrize("pair", NOT_IN_TABLE, ids="→".join)
def test_every_move_not_in_the_table_is_refused_and_changes_nothing(db, pair):
    origin, to = pair
    recipient = RecipientFactory(status=origin, publishable=True)
    before = snapshot(recipient)
    # Neither the system (which may make any move in the table) nor the lead reviewer, who
    # holds the widest registry role, may make it.
    for actor in (None, official(Role.LEAD_REVIEWER)):
        with pytest.raises(ValidationError, match="cannot move from"):
            recipient_transition(
                recipient=recipient, to_status=to, actor=actor, actor_label="test", reason="x"
            )
        assert snapshot(recipient) == before


@pytest.mark.parametrize(
    ("pair", "role"), REFUSED_ROLES, ids=lambda v: "-".join(v) if isinstance(v, tuple) else v
)
def test_a_role_outside_the_move_is_refused_and_changes_nothing(db, pair, role):
    origin, to = pair
    recipient = RecipientFactory(status=origin, publishable=True)
    before = snapshot(recipient)
    actor = official(role)
    assert to not in allowed_moves(recipient, actor)
    with pytest.raises(PermissionDenied):
        recipient_transition(recipient=recipient, to_status=to, actor=actor, reason="x")
    assert snapshot(recipient) == before


@pytest.mark.parametrize(
    "pair", [pair for pair, move in TRANSITIONS.items() if move.needs_reason], ids="→".join
)
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_reason_is_required_where_the_table_says_so(db, pair, reason):
    origin, to = pair
    recipient = RecipientFactory(status=origin, publishable=True)
    before = snapshot(recipient)
    with pytest.raises(ValidationError, match="reason"):
        recipient_transition(
            recipient=recipient, to_status=to, actor=official(Role.LEAD_REVIEWER), reason=reason
        )
    assert snapshot(recipient) == before


@pytest.mark.parametrize(
    "pair", [pair for pair, move in TRANSITIONS.items() if not move.needs_reason], ids="→".join
)
def test_moves_without_a_required_reason_go_through_without_one(db, pair):
    origin, to = pair
    recipient = RecipientFactory(status=origin, publishable=True)
    step = recipient_transition(
        recipient=recipient, to_status=to, actor=official(Role.LEAD_REVIEWER)
    )
    assert (step.from_status, step.to_status, step.reason) == (origin, to, "")


@pytest.mark.parametrize(
    ("missing", "blank"),
    [
        ("a pseudonym", {"pseudonym": ""}),
        ("a short story", {"story": ""}),
        ("at least one need", {"public_needs": []}),
        ("the monthly need", {"monthly_need": None}),
    ],
)
def test_publishing_is_refused_while_the_public_profile_is_incomplete(db, missing, blank):
    recipient = RecipientFactory(status=S.IN_REVIEW, publishable=True, **blank)
    before = snapshot(recipient)
    with pytest.raises(ValidationError, match="not complete") as refused:
        recipient_transition(
            recipient=recipient, to_status=S.PUBLISHED, actor=official(Role.REVIEWER)
        )
    assert missing in str(refused.value)
    assert snapshot(recipient) == before
    assert recipient.published_at is None


def test_a_suspended_record_with_an_emptied_profile_is_not_reinstated(db):
    recipient = RecipientFactory(status=S.SUSPENDED, publishable=True, story="")
    with pytest.raises(ValidationError, match="not complete"):
        recipient_transition(
            recipient=recipient,
            to_status=S.PUBLISHED,
            actor=official(Role.REVIEWER),
            reason="concern dismissed",
        )
    assert snapshot(recipient)[0] == S.SUSPENDED


def test_whoever_entered_the_record_cannot_approve_it_and_another_reviewer_can(db):
    maker = official(Role.REVIEWER)
    checker = official(Role.REVIEWER)
    recipient = RecipientFactory(status=S.IN_REVIEW, publishable=True, entered_by=maker)
    before = snapshot(recipient)

    assert S.PUBLISHED not in allowed_moves(recipient, maker)
    with pytest.raises(ValidationError, match="another reviewer must approve"):
        recipient_transition(recipient=recipient, to_status=S.PUBLISHED, actor=maker)
    assert snapshot(recipient) == before

    assert S.PUBLISHED in allowed_moves(recipient, checker)
    step = recipient_transition(recipient=recipient, to_status=S.PUBLISHED, actor=checker)
    assert step.actor == checker
    recipient.refresh_from_db()
    assert recipient.status == S.PUBLISHED
    assert recipient.published_at is not None


def test_whoever_last_edited_the_profile_cannot_approve_it(db):
    editor = official(Role.LEAD_REVIEWER)
    recipient = RecipientFactory(status=S.IN_REVIEW)
    recipient_profile_update(
        recipient=recipient,
        actor=editor,
        pseudonym="Mbah Sum",
        public_needs=["daily_meals"],
        story="Senang mendengarkan radio.",
    )
    recipient.refresh_from_db()
    assert recipient.last_edited_by == editor
    with pytest.raises(ValidationError, match="another reviewer must approve"):
        recipient_transition(recipient=recipient, to_status=S.PUBLISHED, actor=editor)
    assert snapshot(recipient)[0] == S.IN_REVIEW

    recipient_transition(recipient=recipient, to_status=S.PUBLISHED, actor=official(Role.REVIEWER))
    assert snapshot(recipient)[0] == S.PUBLISHED


def test_the_system_makes_a_move_under_its_label(db):
    recipient = RecipientFactory(status=S.CANDIDATE)
    step = recipient_transition(
        recipient=recipient,
        to_status=S.SERVED_ELSEWHERE,
        actor=None,
        actor_label="import:cli",
        reason="terjangkau",
    )
    assert (step.actor, step.actor_label) == (None, "import:cli")


def test_an_unknown_status_is_refused(db):
    recipient = RecipientFactory()
    with pytest.raises(ValidationError, match="Unknown status"):
        recipient_transition(recipient=recipient, to_status="gone", actor=None, actor_label="t")
    assert snapshot(recipient)[0] == S.CANDIDATE
