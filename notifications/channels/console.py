"""Console channel for dev: prints what would be sent."""

import sys

from . import Message


class ConsoleChannel:
    def send(self, message: Message) -> str:
        lines = [f"--- {message.channel} to {message.to} ---"]
        if message.template_name:
            lines.append(f"template {message.template_name} ({message.template_language})")
            lines.extend(f"  {{{{{i}}}}} = {p}" for i, p in enumerate(message.parameters, 1))
        else:
            lines += [f"Subject: {message.subject}", "", message.text]
        sys.stdout.write("\n".join(lines) + "\n")
        return f"console-{message.notification_id}"
