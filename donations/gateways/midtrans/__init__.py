"""Midtrans (Snap): QRIS, GoPay, ShopeePay and bank virtual accounts for one-off gifts.

Only this package imports ``midtransclient`` and reads Midtrans's field names (``parse``).
"""
