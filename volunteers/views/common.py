from functools import wraps

from django.http import HttpResponse
from django.shortcuts import redirect

from accounts.decorators import official_required

from ..permissions import STUDENT_ROLES
from ..selectors.students import student_for_user


def student_required(view):
    """A student's own pages: signed in with the student role (students have no TOTP: the
    decorator asks it of officials only), and signed up with a school."""

    @official_required(*STUDENT_ROLES)
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        student = student_for_user(request.user)
        if student is None:
            return redirect("volunteers:signup")
        request.student = student
        return view(request, *args, **kwargs)

    return wrapper


def private_download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
