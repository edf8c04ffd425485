"""Settings of the worker process that ``test_a_worker_killed_mid_task…`` kills: the portal's
own (the ``test`` shape), with a WhatsApp channel that, before it hands the message to the
provider, waits for an advisory lock the test holds. So the worker is held after its claim has
committed and before the provider has the message. (Nothing of the portal itself touches the
database between the claim and the provider: the claim reads the person's choices in its own
statement.)
"""

from django.db import connection

from config.settings import *  # noqa: F403
from config.settings import NOTIFICATION_BACKENDS
from notifications.channels import Message
from notifications.channels.memory import MemoryChannel

HELD = 2_114_021  # the advisory lock's key

NOTIFICATION_BACKENDS = {
    **NOTIFICATION_BACKENDS,
    "whatsapp": "tests.notifications.held_worker.HeldChannel",
}


class HeldChannel(MemoryChannel):
    def send(self, message: Message) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HELD])
        return super().send(message)
