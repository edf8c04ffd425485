"""storage_move: files on disk copied into the S3 test server's buckets, idempotently."""

import pytest
from django.core.management import CommandError, call_command

from tests.s3 import PRIVATE_BUCKET, PUBLIC_BUCKET, s3_client


@pytest.fixture
def disk(tmp_path):
    private, media = tmp_path / "old-private", tmp_path / "old-media"
    (private / "donations" / "proofs").mkdir(parents=True)
    (private / "donations" / "proofs" / "a.jpg").write_bytes(b"\xff\xd8\xff proof a")
    (private / "meals" / "inspections").mkdir(parents=True)
    (private / "meals" / "inspections" / "b.jpg").write_bytes(b"\xff\xd8\xff inspection")
    (media / "listings").mkdir(parents=True)
    (media / "listings" / "c.jpg").write_bytes(b"\xff\xd8\xff public photo")
    return private, media


def run(disk, *flags) -> str:
    import io

    out = io.StringIO()
    private, media = disk
    call_command(
        "storage_move", f"--private-root={private}", f"--media-root={media}", *flags, stdout=out
    )
    return out.getvalue()


def objects(endpoint, bucket, prefix) -> dict[str, bytes]:
    client = s3_client(endpoint)
    listing = client.list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", [])
    return {
        item["Key"].removeprefix(prefix + "/"): client.get_object(Bucket=bucket, Key=item["Key"])[
            "Body"
        ].read()
        for item in listing
    }


def test_a_dry_run_reports_and_copies_nothing(disk, s3_server, s3_storage):
    out = run(disk, "--dry-run")
    assert "private: would copy 2, already there 0" in out
    assert "public: would copy 1, already there 0" in out
    assert not objects(s3_server, PRIVATE_BUCKET, s3_storage)
    assert not objects(s3_server, PUBLIC_BUCKET, s3_storage)


def test_files_go_to_their_bucket_under_the_same_name_and_a_rerun_skips_them(
    disk, s3_server, s3_storage
):
    out = run(disk)
    assert "private: copied 2, already there 0" in out
    assert "public: copied 1, already there 0" in out
    assert objects(s3_server, PRIVATE_BUCKET, s3_storage) == {
        "donations/proofs/a.jpg": b"\xff\xd8\xff proof a",
        "meals/inspections/b.jpg": b"\xff\xd8\xff inspection",
    }
    assert objects(s3_server, PUBLIC_BUCKET, s3_storage) == {
        "listings/c.jpg": b"\xff\xd8\xff public photo"
    }
    assert (disk[0] / "donations" / "proofs" / "a.jpg").exists()  # nothing deleted on disk

    again = run(disk)
    assert "private: copied 0, already there 2" in again
    assert "public: copied 0, already there 1" in again


def test_a_partial_copy_of_another_size_is_replaced(disk, s3_server, s3_storage):
    key = f"{s3_storage}/donations/proofs/a.jpg"
    s3_client(s3_server).put_object(Bucket=PRIVATE_BUCKET, Key=key, Body=b"\xff\xd8")
    out = run(disk)
    assert "private: copied 2, already there 0" in out
    assert objects(s3_server, PRIVATE_BUCKET, s3_storage)["donations/proofs/a.jpg"] == (
        b"\xff\xd8\xff proof a"
    )


def test_it_refuses_when_the_storage_is_still_the_local_disk(disk):
    with pytest.raises(CommandError, match="STORAGE_BACKEND=local"):
        run(disk)
