from django.core.mail import EmailMultiAlternatives

from . import DeliveryError, Message


class EmailChannel:
    """HTML and plain text through Django's mail settings (SMTP in prod, console in dev)."""

    def send(self, message: Message) -> str:
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            to=[message.to],
            headers=message.headers,
        )
        if message.html:
            mail.attach_alternative(message.html, "text/html")
        try:
            mail.send()
        except (OSError, ValueError) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
        return mail.extra_headers.get("Message-ID", "") or ""
