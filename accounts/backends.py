"""How the person of a signed-in request is read: the user and their roles in one query.

Every page asks the roles (the menu, the officials' links, the permission predicates), and
``User.roles`` would read them in a second query. Django reads a session's user through the
backend whose dotted path the session holds (``django.contrib.auth.get_user`` calls that
backend's ``get_user``), so the one place to read them together is our own backend:
``AuthenticationBackend`` here, allauth's (which is Django's ``ModelBackend`` with e-mail sign-in)
with a ``get_user`` that reads the roles along (``User.objects.get_with_roles``).

It is the only backend in ``AUTHENTICATION_BACKENDS``: with Django's and allauth's both listed a
failed sign-in checked the password twice (each backend hashed it once). Sessions made before
hold one of those two paths, which are no longer listed and would sign their person out;
``accounts.middleware.AuthenticationMiddleware`` carries such a session over to this path
before Django reads its user (docs/architecture.md, "Roles and scope").
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from asgiref.sync import sync_to_async

from .models import User

PATH = "accounts.backends.AuthenticationBackend"
# The backends sessions were signed in through before this one: the same people, the same
# password checks.
CARRIED_OVER = frozenset(
    {
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    }
)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        # As ModelBackend.get_user, with the roles read along.
        try:
            user = User.objects.get_with_roles(user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)
