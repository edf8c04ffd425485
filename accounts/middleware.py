"""Django's AuthenticationMiddleware, with a session signed in through an earlier backend
carried over to ours (accounts.backends) before its user is read."""

from functools import partial

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import middleware as auth_middleware
from django.utils.functional import SimpleLazyObject

from .backends import CARRIED_OVER, PATH


def _carry_over(request) -> None:
    if request.session.get(BACKEND_SESSION_KEY) in CARRIED_OVER:
        request.session[BACKEND_SESSION_KEY] = PATH


def get_user(request):
    if not hasattr(request, "_cached_user"):
        _carry_over(request)
    return auth_middleware.get_user(request)


async def auser(request):
    carried = await request.session.aget(BACKEND_SESSION_KEY) in CARRIED_OVER
    if carried and not hasattr(request, "_acached_user"):
        await request.session.aset(BACKEND_SESSION_KEY, PATH)
    return await auth_middleware.auser(request)


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)  # its checks; the user is still unread (lazy)
        request.user = SimpleLazyObject(lambda: get_user(request))
        request.auser = partial(auser, request)
