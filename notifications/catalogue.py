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
        # Community reports and data rights (issue 7). A reporter has no account (nothing to
        # unsubscribe from): the code and the answers to their own report are always sent.
        Kind("community_code", mandatory=True, whatsapp_parameters=("code", "minutes")),
        Kind("referral_update", mandatory=True, whatsapp_parameters=("reference", "step")),
        Kind("concern_update", mandatory=True, whatsapp_parameters=("reference", "step")),
        Kind("concern_burst", whatsapp_parameters=("count", "minutes")),
        # A legal deadline (UU PDP 3x24 hours): lead reviewers cannot opt out.
        Kind("rights_overdue", mandatory=True, whatsapp_parameters=("reference", "kind")),
    )
}


def kind(key: str) -> Kind:
    return KINDS[key]
