"""Settings of the worker process that ``test_a_worker_killed_mid_batch…`` kills: the portal's
own (the ``test`` shape), with a WhatsApp channel that, before it hands a message to the
provider, waits for an advisory lock the test holds (all but a message whose first parameter
is ``FREE``). So the worker is held after its claim has committed and before the provider has
the message. (Nothing of the portal itself touches the
database between the claim and the provider: the claim reads the person's choices in its own
statement.)
"""

from django.db import connection

from config.settings import *  # noqa: F403
from config.settings import NOTIFICATION_BACKENDS
from notifications.channels import Message
from notifications.channels.memory import MemoryChannel

HELD = 2_114_021  # the advisory lock's key
FREE = "free.csv"  # a message with this first parameter goes through at once

NOTIFICATION_BACKENDS = {
    **NOTIFICATION_BACKENDS,
    "whatsapp": "tests.notifications.held_worker.HeldChannel",
}


class HeldChannel(MemoryChannel):
    def send(self, message: Message) -> str:
        if message.parameters[:1] != [FREE]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HELD])
        return super().send(message)
