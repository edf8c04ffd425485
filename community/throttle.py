"""The report forms' limit per visitor address (the limiter itself is ``core.throttle``)."""

from django.conf import settings

from core import throttle
from core.throttle import client_address, rate_exceeded, rate_spend

__all__ = ["address_limited", "address_spend", "client_address", "rate_exceeded", "rate_spend"]


def address_limited(request) -> bool:
    return throttle.address_limited(
        request, scope="reports", limit=settings.COMMUNITY_REPORTS_PER_IP_PER_HOUR
    )


def address_spend(request) -> None:
    throttle.address_spend(request, scope="reports")
