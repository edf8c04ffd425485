"""Proofs shown on the finance officers' pages: a donor's proof of transfer on the gift's page,
the proof of a disbursement on its page. Only the officers who may download a proof see it
(``may_work_on_finance``: not administrators, who read the finance pages).

A photo is shown as it was stored (the cleaned JPEG); a PDF by its first page, drawn on the
server (``accounts.previews``). The page that shows the picture writes nothing to the audit
log; the picture itself, when it is sent to the officer's browser, writes one
``proof.viewed`` event, as a download does: one event per look at the proof, however often
the PDF was drawn or read from the cache to build the page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.http import Http404

from accounts.models import AuditEvent, User
from accounts.previews import private_file_type, private_pdf_preview
from accounts.services import audit_record
from core.previews import PDF

from ..models import Disbursement, Gift
from ..permissions import may_work_on_finance
from .officials import disbursement_get, gift_get


@dataclass(frozen=True)
class ProofDisplay:
    """What a page shows of a stored proof."""

    kind: str  # "image", "pdf", or "" when it cannot be shown (a damaged file): download it
    pages: int = 0  # a PDF's pages (its first is shown)
    width: int | None = None  # of the drawn first page
    height: int | None = None


@dataclass(frozen=True)
class ProofPicture:
    """The picture sent to the browser: the stored file (``content`` None) or a drawing."""

    name: str
    content_type: str
    filename: str
    content: bytes | None = None


def _display(name: str) -> ProofDisplay:
    kind = private_file_type(name)
    if kind == PDF:
        drawn = private_pdf_preview(name)
        if drawn is None:
            return ProofDisplay(kind="")
        return ProofDisplay(kind="pdf", pages=drawn.pages, width=drawn.width, height=drawn.height)
    return ProofDisplay(kind="image" if kind else "")


def _picture(name: str, stem: str) -> ProofPicture:
    kind = private_file_type(name)
    if kind == PDF:
        drawn = private_pdf_preview(name)
        if drawn is None:
            raise Http404  # the page says it cannot be shown and offers the download
        return ProofPicture(name, "image/png", f"{stem}-halaman-1.png", drawn.png)
    if kind is None:
        raise Http404
    return ProofPicture(name, kind, f"{stem}.{kind.rsplit('/', 1)[1]}")


def _viewed(user: User, target: str) -> None:
    audit_record(
        actor=user, action=AuditEvent.Action.PROOF_VIEWED, target=target, details={"shown": "page"}
    )


def gift_proof_display(user: User, gift: Gift) -> ProofDisplay | None:
    """How the gift's page shows its proof; None when there is none or the user may not see
    proofs. Not logged: the picture is, when it is sent."""
    if not may_work_on_finance(user) or not gift.proof.name:
        return None
    return _display(gift.proof.name)


def gift_proof_picture(user: User, ref: uuid.UUID | str, *, log: bool = True) -> ProofPicture:
    """The gift's proof as a picture for its page, logged as a look at it (``log`` False for
    a HEAD request, which sends nothing of it)."""
    if not may_work_on_finance(user):
        raise Http404
    gift = gift_get(user, ref)
    if not gift.proof.name:
        raise Http404
    picture = _picture(gift.proof.name, f"bukti-{gift.bank_reference or gift.pk}")
    if log:
        _viewed(user, f"donations.gift:{gift.pk}")
    return picture


def disbursement_proof_display(user: User, disbursement: Disbursement) -> ProofDisplay | None:
    if not may_work_on_finance(user) or not disbursement.proof.name:
        return None
    return _display(disbursement.proof.name)


def disbursement_proof_picture(user: User, pk: int, *, log: bool = True) -> ProofPicture:
    if not may_work_on_finance(user):
        raise Http404
    disbursement = disbursement_get(user, pk)
    if not disbursement.proof.name:
        raise Http404
    picture = _picture(disbursement.proof.name, f"penyaluran-{disbursement.pk}")
    if log:
        _viewed(user, f"donations.disbursement:{disbursement.pk}")
    return picture
