"""Bad input gets a clear French message on the field, and nothing is written."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from projects import services
from projects.models import Document, FundingLine, Initiative, Measurement, Milestone, Objective, Site, StrategyAxis
from projects.validators import validate_document_file
from tests.factories import actor, commune
from tests.projects import factories as f

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# -- money


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("-500"), "Assurez-vous que cette valeur est supérieure ou égale à 0.01."),
        (Decimal("0"), "Assurez-vous que cette valeur est supérieure ou égale à 0.01."),
        (Decimal("250000000"), "Assurez-vous que cette valeur est inférieure ou égale à 100000000."),
    ],
)
def test_a_negative_zero_or_absurd_amount_is_refused(amount, message):
    initiative = f.initiative()
    with pytest.raises(ValidationError) as excinfo:
        f.funding_line(initiative, amount=amount)
    assert excinfo.value.message_dict["amount"] == [message]
    assert not FundingLine.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [Decimal("-1"), Decimal("0"), Decimal("100000000.01")])
def test_the_database_refuses_bad_amounts_that_skip_validation(amount):
    initiative = f.initiative()
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingLine.objects.create(initiative=initiative, funder=actor(), amount=amount, year=2024)


@pytest.mark.django_db
def test_a_funding_year_out_of_range_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        f.funding_line(f.initiative(), year=1024)
    assert "year" in excinfo.value.message_dict


@pytest.mark.django_db
def test_a_negative_target_budget_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        f.initiative(target_budget=Decimal("-10"))
    assert "target_budget" in excinfo.value.message_dict
    assert not Initiative.objects.exists()


# -- dates


@pytest.mark.django_db
def test_a_milestone_planned_before_the_initiative_starts_is_refused():
    initiative = f.initiative(planned_start=datetime.date(2024, 3, 1))
    with pytest.raises(ValidationError) as excinfo:
        f.milestone(initiative, planned_on=datetime.date(2024, 2, 1))
    assert excinfo.value.message_dict == {"planned_on": ["Le jalon est prévu avant le début du projet (01/03/2024)."]}
    assert not Milestone.objects.exists()


@pytest.mark.django_db
def test_a_milestone_done_in_the_future_is_refused():
    initiative = f.initiative()
    with pytest.raises(ValidationError) as excinfo:
        f.milestone(initiative, done_on=datetime.date.today() + datetime.timedelta(days=3))
    assert excinfo.value.message_dict == {"done_on": ["Un jalon ne peut pas être réalisé à une date future."]}


@pytest.mark.django_db
def test_end_dates_before_start_dates_are_refused():
    with pytest.raises(ValidationError) as excinfo:
        f.initiative(planned_start=datetime.date(2024, 5, 1), planned_end=datetime.date(2024, 4, 1))
    assert excinfo.value.message_dict["planned_end"] == ["La fin prévue précède le début prévu."]


@pytest.mark.django_db
def test_a_weight_out_of_range_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        f.milestone(f.initiative(), weight=0)
    assert "weight" in excinfo.value.message_dict


@pytest.mark.django_db
def test_manual_progress_needs_a_value_between_0_and_100():
    with pytest.raises(ValidationError) as excinfo:
        f.initiative(progress_is_manual=True)
    assert "manual_progress" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        f.initiative(progress_is_manual=True, manual_progress=140)
    assert "manual_progress" in excinfo.value.message_dict


# -- measurements


@pytest.mark.django_db
def test_a_measurement_for_another_initiatives_indicator_is_refused_by_the_service():
    mine, theirs = f.initiative(), f.initiative()
    indicator = f.indicator(theirs)
    with pytest.raises(ValidationError) as excinfo:
        services.record_measurement(
            initiative=mine, indicator=indicator, measured_on=datetime.date(2024, 5, 1), value=Decimal("3")
        )
    assert excinfo.value.message_dict == {
        "indicator": ["Cet indicateur appartient à un autre projet : choisissez un indicateur de ce projet."]
    }
    assert not Measurement.objects.exists()


@pytest.mark.django_db
def test_a_measurement_for_another_initiatives_indicator_is_refused_by_the_model():
    mine, theirs = f.initiative(), f.initiative()
    measurement = Measurement(
        initiative=mine, indicator=f.indicator(theirs), measured_on=datetime.date(2024, 5, 1), value=Decimal("3")
    )
    with pytest.raises(ValidationError) as excinfo:
        measurement.full_clean()
    assert list(excinfo.value.message_dict) == ["indicator"]


@pytest.mark.django_db
def test_recording_a_measurement_twice_at_a_date_corrects_it():
    initiative = f.initiative()
    indicator = f.indicator(initiative)
    day = datetime.date(2024, 5, 1)
    services.record_measurement(initiative=initiative, indicator=indicator, measured_on=day, value=Decimal("3"))
    services.record_measurement(initiative=initiative, indicator=indicator, measured_on=day, value=Decimal("4"))
    assert list(Measurement.objects.values_list("value", flat=True)) == [Decimal("4")]


# -- strategy and sites


@pytest.mark.django_db
def test_an_objective_of_another_axis_is_refused():
    objective = Objective.objects.get(slug="occupations-temporaires")
    other_axis = StrategyAxis.objects.exclude(pk=objective.axis_id).first()
    with pytest.raises(ValidationError) as excinfo:
        f.initiative(axis=other_axis, objective=objective)
    assert excinfo.value.message_dict == {"objective": ["Cet objectif appartient à un autre axe stratégique."]}


@pytest.mark.django_db
def test_a_site_postal_code_must_match_its_commune():
    with pytest.raises(ValidationError) as excinfo:
        f.site(commune=commune("93048"), postal_code="93500")
    assert excinfo.value.message_dict["postal_code"] == [
        "Le code postal 93500 ne correspond pas à Montreuil (attendu : 93100)."
    ]
    assert not Site.objects.exists()


@pytest.mark.django_db
def test_site_coordinates_outside_france_and_bad_windows_are_refused():
    with pytest.raises(ValidationError) as excinfo:
        f.site(
            latitude=Decimal("2.44"),
            longitude=Decimal("48.86"),
            available_from=datetime.date(2025, 1, 1),
            available_until=datetime.date(2024, 1, 1),
            surface_m2=Decimal("-3"),
        )
    assert set(excinfo.value.message_dict) == {"latitude", "available_until", "surface_m2"}


# -- documents


def test_a_real_pdf_png_and_office_files_are_accepted(settings):
    validate_document_file(SimpleUploadedFile("bilan.pdf", PDF))
    validate_document_file(SimpleUploadedFile("photo.PNG", PNG))
    validate_document_file(
        SimpleUploadedFile("budget.xlsx", _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}))
    )
    validate_document_file(SimpleUploadedFile("cr.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text"})))
    validate_document_file(SimpleUploadedFile("liste.csv", "nom;commune\nÉpicerie;Bondy\n".encode()))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rapport.pdf", EXE),  # an executable renamed
        ("photo.jpg", PDF),  # a PDF renamed as an image
        ("budget.xlsx", b"PK\x03\x04 not really a zip"),
        ("cr.odt", _zip({"mimetype": b"application/x-msdownload"})),
        ("budget.docx", _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"})),  # a renamed xlsx
        ("notes.txt", b"text\x00with\x00nul bytes"),
    ],
)
def test_a_disguised_file_is_refused(name, content):
    with pytest.raises(ValidationError) as excinfo:
        validate_document_file(SimpleUploadedFile(name, content))
    assert excinfo.value.code == "document_disguised"
    assert "ne correspond pas à son extension" in excinfo.value.messages[0]


@pytest.mark.parametrize("name", ["script.exe", "page.html", "image.svg", "sans-extension"])
def test_a_file_type_outside_the_whitelist_is_refused(name):
    with pytest.raises(ValidationError) as excinfo:
        validate_document_file(SimpleUploadedFile(name, PDF))
    assert excinfo.value.code == "document_type"
    assert excinfo.value.messages[0].startswith("Type de fichier non accepté")


def test_an_oversized_file_is_refused(settings):
    settings.DOCUMENT_MAX_SIZE = 1024
    with pytest.raises(ValidationError) as excinfo:
        validate_document_file(SimpleUploadedFile("gros.pdf", PDF + b"0" * 2048))
    assert excinfo.value.code == "document_too_large"
    assert excinfo.value.messages == ["Fichier trop volumineux (2,0\xa0Kio) : la taille maximale est de 1,0\xa0Kio."]


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_document_file(SimpleUploadedFile("vide.pdf", b""))
    assert excinfo.value.code == "document_empty"


@pytest.mark.django_db
def test_a_document_model_runs_the_file_validator_and_records_the_size(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    initiative = f.initiative()
    bad = Document(initiative=initiative, title="Faux", file=SimpleUploadedFile("faux.pdf", EXE))
    with pytest.raises(ValidationError) as excinfo:
        bad.full_clean()
    assert list(excinfo.value.message_dict) == ["file"]
    good = Document(initiative=initiative, title="Bilan", file=SimpleUploadedFile("bilan.pdf", PDF))
    good.full_clean()
    good.save()
    assert good.size == len(PDF)
