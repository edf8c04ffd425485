"""The same upload code against an S3 API server (moto in server mode on 127.0.0.1): proofs in
the private bucket, served only through the permission-checked view; photos re-encoded into the
public bucket; a replaced proof's object deleted; nothing private readable anonymously."""

import io
import urllib.error
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from accounts.models import Role
from accounts.storage import private_storage
from accounts.storage_s3 import PrivateS3Storage
from donations.services import bank
from portal.services.review import photo_set
from tests.factories import GENTENG, UserFactory, make_official
from tests.factories.finance import bank_gift, officer, png_upload
from tests.factories.portal import PhotoConsentFactory, RecipientFactory
from tests.s3 import PRIVATE_BUCKET, PUBLIC_BUCKET, s3_client

pytestmark = pytest.mark.django_db


def keys(endpoint: str, bucket: str, prefix: str) -> set[str]:
    listing = s3_client(endpoint).list_objects_v2(Bucket=bucket, Prefix=prefix + "/")
    return {item["Key"] for item in listing.get("Contents", [])}


def proof_url(gift) -> str:
    return reverse("donations:fin_gift_proof", kwargs={"ref": gift.public_ref})


def test_a_proof_lives_in_the_private_bucket_and_only_the_finance_officer_gets_it(
    client, s3_server, s3_storage, private_root
):
    gift = bank_gift()
    assert isinstance(gift.proof.storage, PrivateS3Storage)
    assert keys(s3_server, PRIVATE_BUCKET, s3_storage) == {f"{s3_storage}/{gift.proof.name}"}
    assert not private_root.exists()  # nothing on this host's disk
    assert not keys(s3_server, PUBLIC_BUCKET, s3_storage)

    client.force_login(officer())
    response = client.get(proof_url(gift))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"

    for role in (Role.ADMINISTRATOR, Role.LEAD_REVIEWER, Role.DATA_OFFICER):
        client.force_login(make_official(role))
        assert client.get(proof_url(gift)).status_code == 403
    client.force_login(UserFactory(email="donor@example.org"))
    assert client.get(proof_url(gift)).status_code == 403
    client.logout()
    assert client.get(proof_url(gift)).status_code == 302  # to sign in, no file


def test_the_private_storage_never_makes_a_url_not_even_a_signed_one(s3_storage):
    name = private_storage().save("proofs/x.pdf", ContentFile(b"%PDF-1.4"))
    with pytest.raises(NotImplementedError):
        private_storage().url(name)
    with pytest.raises(NotImplementedError):
        private_storage().url(name, expire=60)


def test_private_objects_are_not_readable_anonymously(s3_server, s3_storage):
    gift = bank_gift()
    address = f"{s3_server}/{PRIVATE_BUCKET}/{s3_storage}/{gift.proof.name}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(address, timeout=5)  # noqa: S310 - the local test server
    assert refused.value.code == 403
    acl = s3_client(s3_server).get_object_acl(Bucket=PRIVATE_BUCKET, Key=address.split("/", 4)[4])
    assert all("AllUsers" not in str(grant["Grantee"]) for grant in acl["Grants"])


def test_a_replaced_proof_removes_the_old_object(
    s3_server, s3_storage, django_capture_on_commit_callbacks
):
    gift = bank_gift()
    first = f"{s3_storage}/{gift.proof.name}"
    with django_capture_on_commit_callbacks(execute=True):
        gift = bank.proof_attach(gift=gift, upload=png_upload())
    second = f"{s3_storage}/{gift.proof.name}"
    assert first != second
    assert keys(s3_server, PRIVATE_BUCKET, s3_storage) == {second}


def test_a_proof_is_shown_on_the_page_from_the_private_bucket(
    client, s3_server, s3_storage, private_root
):
    """Inline pictures and a PDF's first page are read through the storage's own API (no
    local path exists): the picture reaches only the finance officer, drawn from the bucket."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from reportlab.pdfgen.canvas import Canvas

    from accounts.models import AuditEvent

    photo_gift = bank_gift()
    source = io.BytesIO()
    canvas = Canvas(source, pagesize=(595, 842))
    canvas.drawString(72, 760, "TRANSFER BERHASIL")
    canvas.showPage()
    canvas.save()
    pdf_gift = bank.proof_attach(
        gift=bank_gift(proof=False),
        upload=SimpleUploadedFile("b.pdf", source.getvalue(), content_type="application/pdf"),
    )
    assert isinstance(pdf_gift.proof.storage, PrivateS3Storage)
    assert not private_root.exists()

    client.force_login(officer())
    for gift, kind, magic in (
        (photo_gift, "image", b"\xff\xd8\xff"),
        (pdf_gift, "pdf", b"\x89PNG"),
    ):
        inline = reverse("donations:fin_gift_proof_inline", kwargs={"ref": gift.public_ref})
        page = client.get(reverse("donations:fin_gift", kwargs={"ref": gift.public_ref}))
        assert f'data-kind="{kind}"' in page.content.decode()
        response = client.get(inline)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("inline")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert content.startswith(magic)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PROOF_VIEWED).count() == 2

    client.force_login(make_official(Role.ADMINISTRATOR))
    assert client.get(inline).status_code == 403
    assert not private_root.exists()


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (1600, 900), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_a_photo_is_re_encoded_into_the_public_bucket(s3_server, s3_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    recipient = RecipientFactory()
    PhotoConsentFactory(recipient=recipient)
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    photo_set(
        recipient=recipient,
        actor=reviewer,
        image_file=SimpleUploadedFile("p.jpg", jpeg_with_exif(), content_type="image/jpeg"),
    )
    key = f"{s3_storage}/{recipient.photo.name}"
    assert keys(s3_server, PUBLIC_BUCKET, s3_storage) == {key}
    assert not keys(s3_server, PRIVATE_BUCKET, s3_storage)
    body = s3_client(s3_server).get_object(Bucket=PUBLIC_BUCKET, Key=key)["Body"].read()
    with Image.open(io.BytesIO(body)) as stored:
        assert max(stored.size) <= 1200
        assert not stored.getexif()


def test_the_private_bucket_cannot_be_configured_public(s3_server):
    from tests.s3 import s3_storage_options

    storage = PrivateS3Storage(
        **s3_storage_options(s3_server, PRIVATE_BUCKET),
        default_acl="public-read",
        querystring_auth=False,
        custom_domain="cdn.example.org",
    )
    assert (storage.default_acl, storage.querystring_auth, storage.custom_domain) == (
        "private",
        True,
        None,
    )


def test_a_host_on_the_local_disk_never_imports_boto3():
    """boto3 costs a fifth of a second at every start of a web or worker process: only
    STORAGE_BACKEND=s3 loads it."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, django; django.setup(); "
        "from django.core.files.storage import storages; "
        "storages['private']; storages['default']; import accounts.storage; "
        "print('boto3' in sys.modules)"
    )
    env = {**os.environ, "STORAGE_BACKEND": "local", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("TEST_STORAGE", None)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_import_command_names_its_report_in_the_private_bucket(s3_server, s3_storage, tmp_path):
    """With object storage the command imported the file, then failed on its last line: it
    asked the storage for a path on disk, which a bucket does not have."""
    from io import StringIO

    from django.core.management import call_command

    from tests.portal.test_import_format import SITI, csv_bytes

    source = tmp_path / "data.csv"
    source.write_bytes(csv_bytes([SITI]))
    out = StringIO()
    call_command("import_recipients", str(source), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "created=1 updated=0 unchanged=0 rejected=0"
    report = next(line for line in lines if line.startswith("Report: "))[8:]
    name = report.split(" (in the private object storage")[0]
    assert f"{s3_storage}/{name}" in keys(s3_server, PRIVATE_BUCKET, s3_storage)
