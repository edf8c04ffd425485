"""Every kind of notification the portal sends: its templates and how it may be refused.

Templates live in ``templates/notifications/<key>/``: ``subject.txt``, ``body.txt`` and
``body.html`` for e-mail, rendered in the recipient's language. WhatsApp sends a template
message approved in advance by Meta: its name (``NOTIFICATION_WHATSAPP_TEMPLATES`` may rename
it per deployment) and the context keys that fill its parameters, in order.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    # Receipts and security mail: the person cannot refuse them.
    mandatory: bool = False
    whatsapp_parameters: tuple[str, ...] = ()


KINDS = {
    kind.key: kind
    for kind in (
        Kind("account_mail", mandatory=True),
        Kind("import_finished", whatsapp_parameters=("file_name", "created", "rejected")),
        Kind("listing_decision", whatsapp_parameters=("pseudonym", "decision")),
        Kind("review_digest", whatsapp_parameters=("waiting",)),
        # Donations: receipts and what happens to a donor's money cannot be refused.
        Kind(
            "donation_receipt",
            mandatory=True,
            whatsapp_parameters=("receipt_number", "amount"),
        ),
        Kind("donation_refunded", mandatory=True, whatsapp_parameters=("receipt_number", "amount")),
        Kind(
            "donation_refunded_by_transfer",
            mandatory=True,
            whatsapp_parameters=("receipt_number", "amount", "account_end"),
        ),
        Kind("transfer_rejected", mandatory=True, whatsapp_parameters=("reference", "reason")),
        Kind(
            "transfer_instructions",
            mandatory=True,
            whatsapp_parameters=("amount", "reference", "account_number"),
        ),
        Kind("sponsorship_ended", mandatory=True, whatsapp_parameters=("for_listing",)),
        Kind("sponsor_update", whatsapp_parameters=("pseudonym", "raised", "need")),
        Kind("finance_alert", whatsapp_parameters=("subject",)),
        # Student visits (volunteers/). Never the elderly person's address: the pseudonym and
        # the meeting point only.
        Kind("visit_guardian_consent", mandatory=True),
        # The school's answer to a student's own sign-up (and their leaving it): always sent,
        # by e-mail (volunteers.services.notices.student_decision_notify).
        Kind("visit_school_decision", mandatory=True),
        Kind("visit_booked", whatsapp_parameters=("pseudonym", "date", "time", "meeting_point")),
        Kind("visit_promoted", whatsapp_parameters=("pseudonym", "date", "time", "meeting_point")),
        Kind("visit_reminder", whatsapp_parameters=("pseudonym", "date", "time", "meeting_point")),
        Kind("visit_slot_cancelled", whatsapp_parameters=("pseudonym", "date", "time")),
        Kind("visit_report_missing", whatsapp_parameters=("pseudonym", "date")),
        Kind("visit_report_flagged", whatsapp_parameters=("pseudonym", "kecamatan", "flags")),
        # Community reports and data rights. A reporter has no account (nothing to
        # unsubscribe from): the code and the answers to their own report are always sent.
        Kind("community_code", mandatory=True, whatsapp_parameters=("code", "minutes")),
        Kind("referral_update", mandatory=True, whatsapp_parameters=("reference", "step")),
        Kind("concern_update", mandatory=True, whatsapp_parameters=("reference", "step")),
        Kind("concern_burst", whatsapp_parameters=("count", "minutes")),
        # A legal deadline (UU PDP 3x24 hours): lead reviewers cannot opt out.
        Kind("rights_overdue", mandatory=True, whatsapp_parameters=("reference", "kind")),
        # Meals: to the reviewers of the kecamatan. Never an address or the
        # courier's words: the pseudonym, the warung, a link.
        Kind("warung_suspended", whatsapp_parameters=("warung", "kecamatan")),
        Kind("delivery_alert", whatsapp_parameters=("pseudonym", "warung", "date")),
        # The attention queue: an item opened for its owners, one escalated to the lead
        # reviewers (proposed WhatsApp texts: docs/operations.md).
        Kind("attention_opened", whatsapp_parameters=("kind_label", "subject", "deadline")),
        Kind("attention_escalated", whatsapp_parameters=("kind_label", "subject", "deadline")),
    )
}


def kind(key: str) -> Kind:
    return KINDS[key]
