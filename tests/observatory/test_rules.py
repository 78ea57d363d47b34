"""The rules of yearly figures, at every entry point: model, database, admin, account form, API, command."""

import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from directory.versions import VERSION_FIELD, current_version
from observatory import services
from observatory.models import FigureSource, YearlyFigures
from tests import factories
from tests.observatory.factories import figures

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def _row(**values) -> YearlyFigures:
    row = YearlyFigures(actor=factories.actor(), year=2024)
    for name, value in values.items():
        setattr(row, name, value)
        if not name.endswith("_source") and f"{name}_source" not in values:
            setattr(row, f"{name}_source", FigureSource.SIRENE)
    return row


def _errors(row) -> dict:
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"employees": -1}, "employees", "Un chiffre ne peut pas être négatif."),
        ({"budget": -5}, "budget", "Un chiffre ne peut pas être négatif."),
        ({"fte": Decimal("-0.5")}, "fte", "Un chiffre ne peut pas être négatif."),
        (
            {"employees": 3, "fte": Decimal("6.5")},
            "fte",
            "Les équivalents temps plein ne peuvent pas dépasser deux fois le nombre de salariés.",
        ),
        (
            {"local_purchasing_share": Decimal("100.5")},
            "local_purchasing_share",
            "Un pourcentage est compris entre 0 et 100.",
        ),
        (
            {"local_purchasing_share": Decimal("-1")},
            "local_purchasing_share",
            "Un pourcentage est compris entre 0 et 100.",
        ),
        ({"employees": 4, "employees_source": ""}, "employees_source", "Indiquez la source de ce chiffre."),
        (
            {"employees": 4, "volunteers_source": FigureSource.DECLARED},
            "volunteers",
            "Une source est indiquée sans chiffre : donnez le chiffre.",
        ),
        ({}, "__all__", "Indiquez au moins un chiffre."),
    ],
)
def test_a_bad_value_is_refused_with_a_french_message(values, field, message):
    assert message in _errors(_row(**values))[field]


def test_the_year_is_required_neither_in_the_future_nor_before_1900():
    row = _row(employees=1)
    row.year = THIS_YEAR + 1
    assert _errors(row)["year"] == ["L'année ne peut pas être dans le futur."]
    row.year = 1899
    assert _errors(row)["year"] == ["L'année doit être 1900 ou après."]
    row.year = None
    assert "year" in _errors(row)
    row.year = THIS_YEAR
    row.full_clean()


def test_fte_up_to_twice_the_employees_is_accepted():
    _row(employees=3, fte=Decimal("6.0")).full_clean()


def test_one_approved_row_per_actor_and_year():
    actor = factories.actor()
    figures(actor, 2024, employees=3)
    with pytest.raises(ValidationError) as caught:
        figures(actor, 2024, employees=4)
    assert caught.value.messages == [
        "Cet acteur a déjà des chiffres validés pour cette année : modifiez-les plutôt que d'en ajouter."
    ]
    figures(actor, 2023, employees=4)


@pytest.mark.parametrize(
    "values",
    [
        {"employees": -1, "employees_source": "sirene"},
        {"employees": 1, "employees_source": ""},
        {"employees": 1, "employees_source": "sirene", "fte": Decimal("3"), "fte_source": "sirene"},
        {"local_purchasing_share": Decimal("101"), "local_purchasing_share_source": "declared"},
        {"year": 1850, "employees": 1, "employees_source": "sirene"},
        {},
    ],
    ids=["negative", "no-source", "fte", "percentage", "year", "empty"],
)
def test_the_database_refuses_what_the_model_refuses(values):
    """Writers that bypass full_clean (SQL, bulk) meet the same rules as constraints."""
    row = YearlyFigures(actor=factories.actor(), year=values.pop("year", 2024), **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        YearlyFigures.objects.bulk_create([row])


def test_the_database_keeps_one_approved_and_one_pending_row_per_actor_and_year():
    actor = factories.actor()
    figures(actor, 2024, employees=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        YearlyFigures.objects.bulk_create(
            [YearlyFigures(actor=actor, year=2024, employees=1, employees_source="sirene")]
        )


# -- The admin


@pytest.fixture
def editor_client(client):
    client.force_login(factories.staff_user(group="Éditeurs"))
    return client


def _admin_data(actor, **values) -> dict:
    data = {"actor": actor.pk, "year": "2024", "note": ""}
    for name in ("employees", "fte", "volunteers", "members", "budget", "integration_hours", "local_purchasing_share"):
        data[name] = ""
        data[f"{name}_source"] = ""
    data.update({key: str(value) for key, value in values.items()})
    return data


@pytest.mark.ignore_template_errors
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"employees": -2, "employees_source": "sirene"}, "Un chiffre ne peut pas être négatif."),
        ({"employees": 2}, "Indiquez la source de ce chiffre."),
        (
            {"employees": 2, "employees_source": "sirene", "fte": "4.5", "fte_source": "sirene"},
            "Les équivalents temps plein ne peuvent pas dépasser deux fois le nombre de salariés.",
        ),
        ({"local_purchasing_share": "120", "local_purchasing_share_source": "declared"}, "Un pourcentage est compris"),
        (
            {"year": THIS_YEAR + 1, "employees": 1, "employees_source": "sirene"},
            "L'année ne peut pas être dans le futur.",
        ),
        ({}, "Indiquez au moins un chiffre."),
    ],
)
def test_the_admin_refuses_bad_figures_with_the_same_messages(editor_client, values, message):
    actor = factories.actor()
    response = editor_client.post(reverse("admin:observatory_yearlyfigures_add"), _admin_data(actor, **values))
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not YearlyFigures.objects.exists()


@pytest.mark.ignore_template_errors
def test_the_admin_refuses_a_second_approved_row_for_the_year_without_a_500(editor_client):
    actor = factories.actor()
    figures(actor, 2024, employees=3)
    data = _admin_data(actor, employees=4, employees_source="sirene")
    response = editor_client.post(reverse("admin:observatory_yearlyfigures_add"), data)
    assert response.status_code == 200
    assert "Cet acteur a déjà des chiffres validés pour cette année" in html.unescape(response.content.decode())
    assert YearlyFigures.objects.count() == 1


@pytest.mark.ignore_template_errors
def test_the_admin_records_approved_figures_with_their_history(editor_client):
    actor = factories.actor()
    data = _admin_data(actor, employees=4, employees_source="sirene", fte="3.5", fte_source="estimate")
    response = editor_client.post(reverse("admin:observatory_yearlyfigures_add"), data)
    assert response.status_code == 302
    row = YearlyFigures.objects.get()
    assert (row.status, row.employees, row.fte, row.fte_source) == ("approved", 4, Decimal("3.5"), "estimate")
    record = row.history.get()
    assert (record.history_source, record.history_user.groups.get().name) == ("admin", "Éditeurs")


@pytest.mark.ignore_template_errors
def test_the_admin_refuses_a_stale_save(editor_client):
    actor = factories.actor()
    row = figures(actor, 2024, employees=3)
    stale = current_version(row)
    row.employees = 5
    row.save()
    url = reverse("admin:observatory_yearlyfigures_change", args=[row.pk])
    data = _admin_data(actor, employees=6, employees_source="declared", **{VERSION_FIELD: stale})
    response = editor_client.post(url, data)
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.employees == 5


@pytest.mark.ignore_template_errors
def test_reverting_in_the_admin_goes_through_the_same_rules(client):
    client.force_login(factories.staff_user(superuser=True))
    actor = factories.actor()
    row = figures(actor, 2024, employees=3)
    first = row.history.earliest()
    row.employees = 8
    row.save()
    url = reverse("admin:observatory_yearlyfigures_simple_history", args=[row.pk, first.history_id])
    assert client.get(url).status_code == 200
    data = _admin_data(actor, employees=3, employees_source="declared", **{VERSION_FIELD: current_version(row)})
    response = client.post(url, data)
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.employees == 3
    bad = _admin_data(actor, employees=-3, employees_source="declared", **{VERSION_FIELD: current_version(row)})
    assert "Un chiffre ne peut pas être négatif." in html.unescape(client.post(url, bad).content.decode())


@pytest.mark.ignore_template_errors
def test_refused_and_replaced_figures_are_read_only_and_only_superusers_delete(editor_client):
    actor = factories.actor()
    row = figures(actor, 2024, employees=3)
    YearlyFigures.objects.filter(pk=row.pk).update(status=YearlyFigures.Status.REPLACED)
    url = reverse("admin:observatory_yearlyfigures_change", args=[row.pk])
    response = editor_client.post(url, _admin_data(actor, employees=9, employees_source="declared"))
    assert response.status_code == 403
    assert editor_client.post(reverse("admin:observatory_yearlyfigures_delete", args=[row.pk])).status_code == 403


# -- The API and the command


def test_the_api_is_read_only(client):
    response = client.post("/api/v1/observatory/figures/", {}, content_type="application/json")
    assert response.status_code in (401, 405)
    assert response.json()["status"] == response.status_code


def test_the_command_refuses_a_bad_year_in_french():
    with pytest.raises(CommandError, match="--year attend une année de 1900"):
        call_command("remind_figures", "--year", "deux-mille")
    with pytest.raises(CommandError, match="ne convient pas"):
        call_command("remind_figures", "--year", str(THIS_YEAR + 5))


def test_the_account_form_refuses_bad_figures(client):
    actor = factories.actor()
    client.force_login(factories.structure_account(actor))
    url = reverse("observatory:account_figures", args=[actor.slug])
    cases = [
        ({"year": THIS_YEAR + 1, "employees": 1}, "L'année ne peut pas être dans le futur."),
        ({"year": 1800, "employees": 1}, "1900"),
        ({"year": "deux mille", "employees": 1}, "Indiquez une année en chiffres"),
        ({"year": 2024, "employees": -1}, "Un chiffre ne peut pas être négatif."),
        ({"year": 2024, "employees": 1, "fte": "5"}, "deux fois le nombre de salariés"),
        ({"year": 2024, "local_purchasing_share": "140"}, "Un pourcentage est compris entre 0 et 100."),
        ({"year": 2024}, "Indiquez au moins un chiffre."),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 200, data
        assert message in html.unescape(response.content.decode()), data
    assert not YearlyFigures.objects.exists()


def test_a_declaration_is_checked_against_the_figures_already_approved(client):
    actor = factories.actor()
    figures(actor, 2024, employees=2, source=FigureSource.SIRENE)
    account = factories.structure_account(actor)
    with pytest.raises(ValidationError) as caught:
        services.propose_figures(actor=actor, year=2024, values={"fte": Decimal("7")}, user=account)
    assert caught.value.message_dict["fte"] == [
        "Les équivalents temps plein ne peuvent pas dépasser deux fois le nombre de salariés."
    ]


def test_the_demo_loader_obeys_the_rules_and_is_deterministic():
    from observatory.demo import DEMO_YEARS, demo_figures

    actor = factories.actor(name="Démo (fictif)", employees=4, fte=Decimal("3.0"), is_fictional=True)
    first = [demo_figures(actor, year) for year in DEMO_YEARS]
    again = [demo_figures(actor, year) for year in DEMO_YEARS]
    assert [row.values() for row in first] == [row.values() for row in again]
    for row in first:
        row.full_clean()
