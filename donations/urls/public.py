from django.urls import path

from ..views import donor, giving, midtrans_sandbox, receipts, sandbox, transparency

urlpatterns = [
    path("donasi/", giving.give_fund, name="give_fund"),
    path("donasi/transparansi/", transparency.transparency, name="transparency"),
    path("donasi/untuk/<str:public_id>/", giving.give_listing, name="give_listing"),
    path("donasi/terima-kasih/<uuid:ref>/", giving.thanks, name="thanks"),
    path("donasi/transfer/<uuid:ref>/", giving.transfer, name="transfer"),
    path("donasi/tanda-terima/<uuid:ref>/", receipts.receipt_pdf_view, name="receipt_pdf"),
    path("donasi/saya/", donor.donor_home, name="donor_home"),
    path("donasi/saya/<str:token>/", donor.donor_link, name="donor_link"),
    path(
        "donasi/saya/<str:token>/bulanan/<uuid:ref>/berhenti/",
        donor.sponsorship_cancel_view,
        name="sponsorship_cancel",
    ),
    path(
        "donasi/saya/<str:token>/bulanan/<uuid:ref>/kabar/",
        donor.sponsorship_updates_view,
        name="sponsorship_updates",
    ),
    path("donasi/sandbox/<str:session_id>/", sandbox.checkout, name="sandbox_checkout"),
    path(
        "donasi/sandbox/midtrans/<str:order_id>/",
        midtrans_sandbox.checkout,
        name="midtrans_sandbox",
    ),
    path("donasi/sandbox/bulanan/<uuid:ref>/", sandbox.next_month, name="sandbox_next_month"),
]
