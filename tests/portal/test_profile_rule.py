"""A record is submitted for review and published only with its public profile whole
(pseudonym, story, needs, monthly need): one rule, asked by the lifecycle's table for every
move that needs it, whichever door makes the move. A refusal names what is missing and
changes nothing."""

import html
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from core import transitions
from portal.models import Recipient, Status
from portal.services.lifecycle import (
    PROFILE_KEPT_STATUSES,
    RECIPIENTS,
    TRANSITIONS,
    TransitionRefused,
    profile_refusal,
    recipient_transition,
)
from portal.services.review import recipient_profile_update, review_transition
from tests.factories import GENTENG, make_official
from tests.factories.portal import RecipientFactory

S = Status
R = Role

WHOLE = {
    "pseudonym": "Mbah Sum",
    "story": "Suka menanam cabai di halaman.",
    "public_needs": ["daily_meals"],
    "monthly_need": 720_000,
}
EMPTY = {"pseudonym": "", "story": "", "public_needs": [], "monthly_need": None}
EVERYTHING_MISSING = (
    "The public profile is not complete: it needs a pseudonym, a short story, at least one "
    "need, the monthly need."
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def data_officer(db):
    return make_official(R.DATA_OFFICER)


@pytest.fixture
def reviewer(db):
    return make_official(R.REVIEWER, kecamatan=(GENTENG,))


def text(response) -> str:
    return html.unescape(response.content.decode())


def history_and_status(recipient: Recipient) -> tuple[int, str]:
    recipient.refresh_from_db()
    return recipient.transitions.count(), recipient.status


# --- One rule --------------------------------------------------------------------------------


def test_submitting_and_publishing_ask_the_same_rule():
    guarded = {move for move, rule in TRANSITIONS.items() if rule.requires is not None}
    assert guarded == {
        (S.CANDIDATE, S.IN_REVIEW),
        (S.CHANGES_REQUESTED, S.IN_REVIEW),
        (S.IN_REVIEW, S.PUBLISHED),
        (S.SUSPENDED, S.PUBLISHED),
    }
    assert {TRANSITIONS[move].requires for move in guarded} == {profile_refusal}


@pytest.mark.parametrize(
    ("empty", "named"),
    [
        ({"pseudonym": ""}, "a pseudonym"),
        ({"story": ""}, "a short story"),
        ({"public_needs": []}, "at least one need"),
        ({"monthly_need": None}, "the monthly need"),
        ({"monthly_need": 0}, "the monthly need"),
        ({"pseudonym": "", "story": ""}, "a pseudonym, a short story"),
    ],
)
def test_a_submission_is_refused_naming_exactly_what_is_missing(data_officer, empty, named):
    recipient = RecipientFactory(**{**WHOLE, **empty})
    before = history_and_status(recipient)
    with pytest.raises(TransitionRefused) as refused:
        recipient_transition(recipient=recipient, to_status=S.IN_REVIEW, actor=data_officer)
    assert refused.value.messages == [f"The public profile is not complete: it needs {named}."]
    assert history_and_status(recipient) == before


def test_the_refusal_is_translated(data_officer):
    recipient = RecipientFactory(**{**WHOLE, "story": ""})
    with translation.override("id"), pytest.raises(TransitionRefused) as refused:
        recipient_transition(recipient=recipient, to_status=S.IN_REVIEW, actor=data_officer)
    assert refused.value.messages == [
        "Profil publik belum lengkap: masih memerlukan cerita singkat."
    ]


def test_a_whole_profile_is_submitted(data_officer):
    recipient = RecipientFactory(**WHOLE)
    recipient_transition(recipient=recipient, to_status=S.IN_REVIEW, actor=data_officer)
    assert recipient.status == S.IN_REVIEW


def test_a_resubmission_after_changes_is_refused_the_same_way(reviewer):
    recipient = RecipientFactory(status=S.CHANGES_REQUESTED, **{**WHOLE, "pseudonym": ""})
    before = history_and_status(recipient)
    with pytest.raises(TransitionRefused, match="it needs a pseudonym"):
        review_transition(recipient=recipient, to_status=S.IN_REVIEW, actor=reviewer)
    assert history_and_status(recipient) == before


@pytest.mark.parametrize("role", [R.REVIEWER, R.LEAD_REVIEWER])
def test_nobody_publishes_an_empty_profile(db, role):
    # Records entered in review before the rule existed may still be empty.
    recipient = RecipientFactory(status=S.IN_REVIEW, **EMPTY)
    approver = make_official(role, kecamatan=(GENTENG,) if role == R.REVIEWER else ())
    before = history_and_status(recipient)
    with pytest.raises(TransitionRefused) as refused:
        review_transition(recipient=recipient, to_status=S.PUBLISHED, actor=approver)
    assert refused.value.messages == [EVERYTHING_MISSING]
    assert history_and_status(recipient) == before
    assert recipient.published_at is None


def test_a_suspended_listing_is_not_reinstated_without_its_profile(reviewer):
    recipient = RecipientFactory(status=S.SUSPENDED, **{**WHOLE, "public_needs": []})
    with pytest.raises(TransitionRefused, match="at least one need"):
        recipient_transition(
            recipient=recipient, to_status=S.PUBLISHED, actor=reviewer, reason="Cleared"
        )
    assert history_and_status(recipient)[1] == S.SUSPENDED


def test_the_system_is_held_to_the_rule_too(db):
    # actor=None skips the roles, never the record's own readiness.
    recipient = RecipientFactory(**EMPTY)
    with pytest.raises(TransitionRefused):
        recipient_transition(
            recipient=recipient, to_status=S.IN_REVIEW, actor=None, actor_label="test"
        )


def test_the_rule_reads_the_record_under_its_lock(data_officer):
    """A copy read before the profile was emptied elsewhere does not pass the check."""
    recipient = RecipientFactory(**WHOLE)
    stale = Recipient.objects.get(pk=recipient.pk)
    Recipient.objects.filter(pk=recipient.pk).update(story="")
    with pytest.raises(TransitionRefused, match="a short story"):
        recipient_transition(recipient=stale, to_status=S.IN_REVIEW, actor=data_officer)


def test_a_bulk_move_refuses_a_move_that_asks_each_record(db):
    RecipientFactory(**WHOLE)
    with pytest.raises(TypeError):
        RECIPIENTS.move_many(Recipient.objects.all(), S.IN_REVIEW, origin=S.CANDIDATE)
    assert not Recipient.objects.filter(status=S.IN_REVIEW).exists()


def test_a_rule_without_requires_is_unchanged():
    assert transitions.Rule().requires is None


# --- The pages -------------------------------------------------------------------------------


def record_url(recipient) -> str:
    return reverse("portal:review_record", args=[recipient.public_id])


def move_url(recipient, to) -> str:
    return reverse("portal:review_transition", args=[recipient.public_id, to])


def test_the_submit_button_refuses_an_empty_profile_and_says_what_is_missing(client, data_officer):
    recipient = RecipientFactory(**EMPTY)
    before = history_and_status(recipient)
    client.force_login(data_officer)
    response = client.post(move_url(recipient, S.IN_REVIEW))
    assert response.status_code == 200
    page = text(response)
    assert EVERYTHING_MISSING in page
    # A data officer does not write the profile: told who does, and offered no button.
    assert "A reviewer writes the public profile" in page
    assert reverse("portal:review_profile", args=[recipient.public_id]) not in page
    assert f'action="{move_url(recipient, S.IN_REVIEW)}"' not in page
    assert '<button type="submit">Submit for review' not in page
    assert history_and_status(recipient) == before


def test_a_reviewer_refused_is_led_to_the_profile(client, reviewer):
    recipient = RecipientFactory(**{**WHOLE, "story": ""})
    client.force_login(reviewer)
    page = text(client.post(move_url(recipient, S.IN_REVIEW)))
    assert "The public profile is not complete: it needs a short story." in page
    assert reverse("portal:review_profile", args=[recipient.public_id]) in page
    assert history_and_status(recipient)[1] == S.CANDIDATE


def test_the_publish_button_refuses_an_empty_profile(client, reviewer):
    recipient = RecipientFactory(status=S.IN_REVIEW, **EMPTY)
    client.force_login(reviewer)
    response = client.post(move_url(recipient, S.PUBLISHED))
    assert EVERYTHING_MISSING in text(response)
    assert history_and_status(recipient)[1] == S.IN_REVIEW


def test_the_record_says_beforehand_what_the_profile_lacks(client, data_officer, reviewer):
    empty = RecipientFactory(**{**WHOLE, "pseudonym": "", "monthly_need": None})
    whole = RecipientFactory(**WHOLE)
    client.force_login(data_officer)
    page = text(client.get(record_url(empty)))
    assert 'id="profile-incomplete"' in page
    assert "it needs a pseudonym, the monthly need." in page
    assert 'id="profile-incomplete"' not in text(client.get(record_url(whole)))
    client.force_login(reviewer)
    page = text(client.get(record_url(empty)))
    assert reverse("portal:review_profile", args=[empty.public_id]) in page


def test_a_whole_profile_is_submitted_from_the_page(client, data_officer):
    recipient = RecipientFactory(**WHOLE)
    client.force_login(data_officer)
    response = client.post(move_url(recipient, S.IN_REVIEW))
    assert response.status_code == 302
    assert history_and_status(recipient)[1] == S.IN_REVIEW


# --- The profile, once the record is past the check ------------------------------------------


@pytest.mark.parametrize("status", sorted(PROFILE_KEPT_STATUSES))
def test_an_edit_may_not_empty_the_profile_of_a_record_past_the_check(reviewer, status):
    recipient = RecipientFactory(status=status, **WHOLE)
    with pytest.raises(Exception) as refused:
        recipient_profile_update(
            recipient=recipient, actor=reviewer, pseudonym="", public_needs=[], story=" "
        )
    errors = refused.value.message_dict
    assert set(errors) == {"pseudonym", "story", "public_needs"}
    label = str(Status(status).label)
    assert errors["story"] == [f"Required while the record is “{label}”."]
    recipient.refresh_from_db()
    assert (recipient.pseudonym, recipient.story) == (WHOLE["pseudonym"], WHOLE["story"])


@pytest.mark.parametrize("status", [S.CANDIDATE, S.CHANGES_REQUESTED])
def test_a_profile_being_written_may_be_saved_incomplete(reviewer, status):
    recipient = RecipientFactory(status=status)
    recipient_profile_update(
        recipient=recipient, actor=reviewer, pseudonym="Mbah Sum", public_needs=[], story=""
    )
    recipient.refresh_from_db()
    assert recipient.pseudonym == "Mbah Sum"
    assert recipient.profile_missing == ["story", "public_needs"]


def test_the_profile_page_refuses_emptying_a_published_listing(client, reviewer):
    recipient = RecipientFactory(status=S.PUBLISHED, **WHOLE)
    client.force_login(reviewer)
    response = client.post(
        reverse("portal:review_profile", args=[recipient.public_id]),
        {"pseudonym": "Mbah Sum", "age_band": recipient.age_band, "story": ""},
    )
    assert response.status_code == 200
    assert "Required while the record is “Published”." in text(response)
    recipient.refresh_from_db()
    assert recipient.story == WHOLE["story"]
    assert recipient.public_needs == WHOLE["public_needs"]


# --- The demonstration -----------------------------------------------------------------------


def test_seed_demo_submits_and_publishes_only_whole_profiles(db):
    call_command("seed_demo", stdout=StringIO())
    past_the_check = Recipient.objects.filter(
        status__in=[S.IN_REVIEW, S.PUBLISHED, S.SUSPENDED, S.REACHED]
    )
    assert past_the_check.count() >= 3
    assert [r.public_id for r in past_the_check if r.profile_missing] == []
