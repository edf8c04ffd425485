"""In-memory channel for tests: what was sent is appended to ``outbox``."""

from . import Message

outbox: list[Message] = []


class MemoryChannel:
    def send(self, message: Message) -> str:
        outbox.append(message)
        return f"memory-{message.notification_id}"
