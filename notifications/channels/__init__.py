"""Channels behind one interface, chosen by settings like Django's mail backends.

``NOTIFICATION_BACKENDS`` maps a channel ("email", "whatsapp") to a dotted path of a class with
``send(message) -> provider id``. Real ones: ``email.EmailChannel`` (Django's mail settings),
``whatsapp.CloudApiChannel`` (the WhatsApp Cloud API). For dev and tests: ``console`` and
``memory`` (``memory.outbox`` holds what was sent).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    """The provider refused or failed. ``permanent`` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Message:
    """A rendered notification, ready for a channel."""

    notification_id: int
    channel: str
    to: str
    subject: str = ""
    text: str = ""
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # WhatsApp: a pre-approved template's name, language and body parameters.
    template_name: str = ""
    template_language: str = ""
    parameters: list[str] = field(default_factory=list)


def channel_backend(channel: str):
    return import_string(settings.NOTIFICATION_BACKENDS[channel])()
