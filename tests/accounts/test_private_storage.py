from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from accounts.storage import private_file_response, private_storage


def test_private_files_have_no_url(private_root):
    name = private_storage().save("proofs/transfer.pdf", ContentFile(b"%PDF-1.4"))
    with pytest.raises(NotImplementedError):
        private_storage().url(name)


def test_private_files_live_outside_what_the_web_serves(private_root, settings):
    name = private_storage().save("proofs/transfer.pdf", ContentFile(b"%PDF-1.4"))
    path = Path(private_storage().path(name)).resolve()
    assert path.is_relative_to(private_root.resolve())
    for served in (settings.MEDIA_ROOT, settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        assert not path.is_relative_to(Path(served).resolve())


def test_the_private_root_is_not_under_media_or_static(settings):
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    for served in (settings.MEDIA_ROOT, settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        served = Path(served).resolve()
        assert not private.is_relative_to(served)
        assert not served.is_relative_to(private)


def test_a_private_file_is_sent_as_an_uncached_attachment(private_root):
    name = private_storage().save("proofs/transfer.pdf", ContentFile(b"%PDF-1.4 proof"))
    response = private_file_response(name, download_name="bukti.pdf")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 proof"
    assert response["Content-Disposition"].startswith("attachment")
    assert "bukti.pdf" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_url_of_the_portal_serves_the_private_folder(client, db, private_root):
    name = private_storage().save("proofs/transfer.pdf", ContentFile(b"%PDF-1.4"))
    for url in (f"/media/{name}", f"/private/{name}", f"/var/private/{name}", f"/static/{name}"):
        assert client.get(url).status_code == 404
