"""Copies of evidence made for sharing: new files linked to their original, which never changes."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import Image

from docket.accounts.models import User
from docket.cases import services
from docket.cases.models import CustodyAction, Derivation, Evidence, Source

pytestmark = pytest.mark.django_db

CAMERA = "Fictional Camera 3000"


def _photo_with_metadata() -> bytes:
    """A small JPEG whose EXIF names a camera and a place, as a phone's photo would."""
    picture = Image.new("RGB", (40, 30), color=(120, 30, 200))
    exif = Image.Exif()
    exif[0x0110] = CAMERA  # Model
    exif[0x010E] = "Taken outside the fictional detention centre"  # ImageDescription
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def source(documenter: User) -> Source:
    return services.create_source(actor=documenter, title="Photographs of the visit room")


@pytest.fixture
def photo(documenter: User, source: Source) -> Evidence:
    upload = SimpleUploadedFile("visit-room.jpg", _photo_with_metadata())
    return services.attach_evidence(actor=documenter, source=source, upload=upload)


def test_a_copy_without_metadata_keeps_the_picture_and_drops_the_metadata(documenter, photo):
    original_bytes = services.read_evidence(photo)
    assert CAMERA.encode() in original_bytes

    copy = services.strip_metadata_copy(actor=documenter, original=photo)

    copied = services.read_evidence(copy)
    assert CAMERA.encode() not in copied
    with Image.open(io.BytesIO(copied)) as picture:
        assert picture.size == (40, 30)
        assert not picture.getexif()
    assert copy.derived_from == photo
    assert copy.derivation == Derivation.METADATA_STRIPPED
    assert copy.name == "visit-room-no-metadata.jpg"
    assert copy.custody.get().action == CustodyAction.ADDED
    # The original is exactly as it arrived.
    photo.refresh_from_db()
    assert services.read_evidence(photo) == original_bytes
    assert services.verify_evidence()[1] == []


def test_a_redacted_copy_is_linked_to_its_original(documenter, photo):
    redacted = SimpleUploadedFile("visit-room-redacted.txt", b"faces blacked out")

    copy = services.attach_redacted_copy(actor=documenter, original=photo, upload=redacted)

    assert list(photo.derivatives.all()) == [copy]
    assert copy.derivation == Derivation.REDACTED
    assert copy.source == photo.source


def test_copies_are_made_from_originals_and_pictures_only(documenter, source, photo):
    text = services.attach_evidence(
        actor=documenter, source=source, upload=SimpleUploadedFile("note.txt", b"a note")
    )
    copy = services.strip_metadata_copy(actor=documenter, original=photo)

    with pytest.raises(ValidationError, match="pictures only"):
        services.strip_metadata_copy(actor=documenter, original=text)
    with pytest.raises(ValidationError, match="from the original"):
        services.strip_metadata_copy(actor=documenter, original=copy)


def test_a_viewer_may_not_make_copies(viewer, photo):
    with pytest.raises(PermissionDenied):
        services.strip_metadata_copy(actor=viewer, original=photo)


def test_the_source_page_offers_and_makes_both_kinds_of_copy(logged_in, documenter, photo):
    client = logged_in(documenter)
    page = client.get(reverse("cases:source_detail", args=[photo.source_id]))
    assert reverse("cases:evidence_strip", args=[photo.pk]) in page.text

    response = client.post(reverse("cases:evidence_strip", args=[photo.pk]), follow=True)
    assert "is being prepared" in response.text
    assert not photo.derivatives.exists()  # made by the worker, not in the request
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "docket.cases.tasks.make_metadata_stripped_copy"
    # What the worker does with it (the worker itself closes the test's connection).
    queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
    uploaded = client.post(
        reverse("cases:evidence_upload", args=[photo.source_id]),
        {"file": SimpleUploadedFile("redacted.txt", b"names removed"), "copy_of": photo.pk},
    )
    assert uploaded.status_code == 302

    page = client.get(reverse("cases:source_detail", args=[photo.source_id]))
    assert page.text.count("· copy of") == 2
    assert set(photo.derivatives.values_list("derivation", flat=True)) == {
        Derivation.METADATA_STRIPPED,
        Derivation.REDACTED,
    }


def test_an_outsider_can_not_copy_our_evidence(logged_in, outsider, documenter, source):
    services.update_source(
        actor=documenter, source=source, expected_version=1, confidentiality="restricted"
    )
    photo = services.attach_evidence(
        actor=documenter, source=source, upload=SimpleUploadedFile("a.jpg", _photo_with_metadata())
    )

    response = logged_in(outsider).post(reverse("cases:evidence_strip", args=[photo.pk]))

    assert response.status_code == 404
    assert not photo.derivatives.exists()
