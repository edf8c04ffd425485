"""The finance officers' pages, under /petugas/keuangan/."""

from django.urls import path

from ..views.officials import bank, disbursements, exports, funds, moderation, statements

ROOT = "petugas/keuangan/"
GIFT = f"{ROOT}donasi/<uuid:ref>/"

urlpatterns = [
    path(ROOT, bank.dashboard, name="fin_dashboard"),
    # Bank transfers.
    path(f"{ROOT}transfer/", bank.transfer_queue, name="fin_transfers"),
    path(f"{ROOT}transfer/catat/", bank.transfer_record_view, name="fin_transfer_record"),
    path(f"{ROOT}mutasi/", statements.statement_list, name="fin_statements"),
    path(f"{ROOT}mutasi/<int:pk>/", statements.statement_detail, name="fin_statement"),
    path(f"{ROOT}mutasi/<int:pk>/kolom/", statements.statement_map, name="fin_statement_map"),
    path(
        f"{ROOT}mutasi/<int:pk>/konfirmasi/",
        statements.statement_confirm_view,
        name="fin_statement_confirm",
    ),
    path(GIFT, bank.gift_detail, name="fin_gift"),
    path(f"{GIFT}bukti/", bank.gift_proof_download, name="fin_gift_proof"),
    path(f"{GIFT}bukti/lihat/", bank.gift_proof_inline, name="fin_gift_proof_inline"),
    path(f"{GIFT}tanda-terima/", bank.gift_receipt_download, name="fin_gift_receipt"),
    path(f"{GIFT}cocokkan/", bank.transfer_match_view, name="fin_transfer_match"),
    path(f"{GIFT}konfirmasi/", bank.transfer_confirm_view, name="fin_transfer_confirm"),
    path(f"{GIFT}tolak/", bank.transfer_reject_view, name="fin_transfer_reject"),
    # Refunds.
    path(f"{ROOT}refund/", funds.refunds, name="fin_refunds"),
    path(f"{GIFT}refund/", funds.refund_create, name="fin_refund_create"),
    path(f"{ROOT}refund/<int:pk>/kirim-lagi/", funds.refund_send_again, name="fin_refund_send"),
    path(
        f"{ROOT}refund/transfer/<int:pk>/konfirmasi/",
        funds.transfer_refund_confirm_view,
        name="fin_transfer_refund_confirm",
    ),
    path(
        f"{ROOT}refund/transfer/<int:pk>/batal/",
        funds.transfer_refund_cancel_view,
        name="fin_transfer_refund_cancel",
    ),
    # Transfers between funds.
    path(f"{ROOT}pemindahan/", funds.fund_transfer_list, name="fin_fund_transfers"),
    path(
        f"{ROOT}pemindahan/baru/",
        funds.fund_transfer_propose_view,
        name="fin_fund_transfer_propose",
    ),
    path(
        f"{ROOT}pemindahan/<int:pk>/",
        funds.fund_transfer_decide_view,
        name="fin_fund_transfer_decide",
    ),
    # Collection periods and operating costs.
    path(f"{ROOT}periode/", funds.period_list, name="fin_periods"),
    path(f"{ROOT}periode/baru/", funds.period_create, name="fin_period_create"),
    path(f"{ROOT}periode/<int:pk>/", funds.period_detail, name="fin_period"),
    path(f"{ROOT}periode/<int:pk>/biaya/", funds.cost_create, name="fin_cost_create"),
    # Disbursements.
    path(f"{ROOT}penyaluran/", disbursements.disbursement_list, name="fin_disbursements"),
    path(
        f"{ROOT}penyaluran/baru/",
        disbursements.disbursement_create,
        name="fin_disbursement_create",
    ),
    path(
        f"{ROOT}penyaluran/<int:pk>/",
        disbursements.disbursement_detail,
        name="fin_disbursement",
    ),
    path(
        f"{ROOT}penyaluran/<int:pk>/bukti/",
        disbursements.disbursement_proof_download,
        name="fin_disbursement_proof",
    ),
    path(
        f"{ROOT}penyaluran/<int:pk>/bukti/lihat/",
        disbursements.disbursement_proof_inline,
        name="fin_disbursement_proof_inline",
    ),
    path(
        f"{ROOT}penyaluran/<int:pk>/putuskan/",
        disbursements.disbursement_decide_view,
        name="fin_disbursement_decide",
    ),
    # Messages, and what needs a person.
    path(f"{ROOT}pesan/", moderation.message_queue, name="fin_messages"),
    path(f"{ROOT}pesan/<uuid:ref>/", moderation.message_moderate, name="fin_message_moderate"),
    path(f"{ROOT}perhatian/", moderation.attention, name="fin_attention"),
    # Exports.
    path(f"{ROOT}ekspor/", exports.export, name="fin_export"),
]
