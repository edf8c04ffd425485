from allauth.mfa.adapter import DefaultMFAAdapter

from . import pii


class MFAAdapter(DefaultMFAAdapter):
    """TOTP seeds and recovery-code seeds are encrypted like other personal data (allauth's
    default stores them in clear), and re-encrypted by ``rotate_pii_keys``."""

    def encrypt(self, text: str) -> str:
        return pii.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return pii.decrypt(encrypted_text)
