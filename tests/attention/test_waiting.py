"""What waits for a lead reviewer in the attention queue (tests/accounts/test_landing.py:
where they land)."""

from django.utils import timezone, translation

from accounts.models import Role
from attention.models import Item
from attention.selectors import lead_reviewer_waiting
from attention.services import item_open, item_resolve, item_take
from portal.models import Status
from regions.models import Kecamatan
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.portal import RecipientFactory


def concern_item(code: str, key: str) -> Item:
    person = RecipientFactory(kecamatan_code=code)
    item, _opened = item_open(
        "concern",
        key=key,
        kecamatan_id=Kecamatan.objects.get(code=code).pk,
        recipient=person,
        announce=False,
    )
    return item


def escalate(item: Item) -> None:
    Item.objects.filter(pk=item.pk).update(escalated_at=timezone.now())


def counts(user) -> list[int]:
    return [line.count for line in lead_reviewer_waiting(user)]


def test_a_lead_reviewer_counts_the_escalated_items_and_those_they_took(db):
    lead = make_official(Role.LEAD_REVIEWER)
    escalated = [concern_item(GENTENG, "a"), concern_item(MUNCAR, "b")]
    for item in escalated:
        escalate(item)
    concern_item(GENTENG, "c")  # open, not escalated yet
    taken = concern_item(MUNCAR, "d")
    item_take(item=taken, actor=lead)
    escalate(taken)
    done = concern_item(GENTENG, "e")
    escalate(done)
    item_take(item=done, actor=lead)
    item_resolve(item=Item.objects.get(pk=done.pk), actor=lead, note="Ditangani.")
    # They publish too: the records waiting for review anywhere in the regency.
    RecipientFactory(kecamatan_code=MUNCAR, status=Status.IN_REVIEW)
    assert counts(lead) == [3, 1, 1]
    with translation.override("en"):
        lines = lead_reviewer_waiting(lead)
        assert [line.text for line in lines] == [
            "3 items escalated to the lead reviewers",
            "1 item you took, not resolved yet",
            "1 record submitted and waiting for your review",
        ]
        assert lines[2].url == "/en/petugas/registri/?status=in_review"


def test_a_reviewer_counts_only_the_items_of_their_kecamatan(db):
    # The same selector reads through the queue's scope: a Genteng reviewer's queue holds
    # no Muncar item.
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    for code, key in ((GENTENG, "a"), (MUNCAR, "b")):
        escalate(concern_item(code, key))
    assert counts(reviewer) == [1, 0, 0]
