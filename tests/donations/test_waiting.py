"""What waits for a finance officer in the bank-transfer queue (tests/accounts/test_landing.py:
where they land)."""

from django.utils import translation

from accounts.models import Role
from donations.selectors.officials import finance_officer_waiting
from tests.factories import GENTENG, make_official
from tests.factories.finance import bank_gift, matched_gift, officer


def counts(user) -> list[int]:
    return [line.count for line in finance_officer_waiting(user)]


def test_a_finance_officer_counts_proofs_to_match_and_others_matches_to_confirm(db):
    first, second = officer(), officer()
    bank_gift()
    bank_gift()
    bank_gift(proof=False)  # announced, no proof yet: nothing to check
    matched_gift(first)
    # Their own match waits for a second officer, not for them.
    assert counts(first) == [2, 0]
    assert counts(second) == [2, 1]
    with translation.override("en"):
        proofs, matches = finance_officer_waiting(second)
        assert proofs.text == "2 transfer proofs to match"
        assert proofs.url == "/en/petugas/keuangan/transfer/?status=proof_submitted"
        assert matches.text == "1 match for you to confirm"
        assert matches.url == "/en/petugas/keuangan/transfer/?status=matched"


def test_a_role_without_the_finance_pages_counts_nothing(db):
    bank_gift()
    # A reviewer's money scope (their kecamatan) is the person page's, not the queue's.
    assert counts(make_official(Role.REVIEWER, kecamatan=(GENTENG,))) == [0, 0]
