from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from directory import validators
from directory.models import Commune


def error_of(validator, *args) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validator(*args)
    return info.value


# SIRET and SIREN ------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "12345678200010",  # Luhn-valid, synthetic
        "123 456 782 00010",  # as printed on invoices
        "123.456.782.00010",
        "20005787500011",  # built on Est Ensemble's SIREN with a valid check digit
    ],
)
def test_valid_sirets_are_accepted_with_or_without_separators(value):
    validators.validate_siret(value)


@pytest.mark.parametrize("value", ["1234567820001", "123456782000100", "1234567820001A", ""])
def test_a_siret_of_the_wrong_length_or_with_letters_is_refused_with_a_french_message(value):
    error = error_of(validators.validate_siret, value)
    assert error.code == "siret_length"
    assert error.messages == ["Un SIRET compte exactement 14 chiffres."]


@pytest.mark.parametrize("value", ["12345678200011", "21345678200010"])
def test_a_siret_with_a_wrong_check_digit_is_refused(value):
    error = error_of(validators.validate_siret, value)
    assert error.code == "siret_checksum"
    assert "clé de contrôle" in error.messages[0]


@pytest.mark.parametrize(
    "value",
    [
        "35600000000001",  # digit sum 15, not Luhn-valid
        "35600000000010",  # digit sum 15
        "35600000000048",  # La Poste's head office, Luhn-valid
    ],
)
def test_la_poste_establishments_are_valid_when_their_digit_sum_is_a_multiple_of_five(value):
    validators.validate_siret(value)


@pytest.mark.parametrize(
    "value",
    [
        "35600000000014",  # Luhn-valid but digit sum 19: La Poste's rule applies, not Luhn
        "35600000000049",  # digit sum 27
    ],
)
def test_la_poste_establishments_are_invalid_when_their_digit_sum_is_not_a_multiple_of_five(value):
    assert error_of(validators.validate_siret, value).code == "siret_checksum"


def test_valid_siren_is_accepted():
    validators.validate_siren("200057875")
    validators.validate_siren("200 057 875")


@pytest.mark.parametrize(
    ("value", "code"),
    [("20005787", "siren_length"), ("2000578750", "siren_length"), ("20005787A", "siren_length")],
)
def test_siren_of_the_wrong_length_is_refused(value, code):
    error = error_of(validators.validate_siren, value)
    assert error.code == code
    assert error.messages == ["Un SIREN compte exactement 9 chiffres."]


def test_siren_with_a_wrong_check_digit_is_refused():
    assert error_of(validators.validate_siren, "200057876").code == "siren_checksum"


# RNA, postal code, phone -----------------------------------------------------


@pytest.mark.parametrize("value", ["W931234567", "w931234567", " W931234567 "])
def test_rna_numbers_are_w_and_nine_digits_in_any_case(value):
    validators.validate_rna(value)


@pytest.mark.parametrize("value", ["W93123456", "W9312345678", "931234567", "X931234567", "W93123456A"])
def test_malformed_rna_numbers_are_refused_with_an_example(value):
    error = error_of(validators.validate_rna, value)
    assert error.code == "rna_format"
    assert "W931234567" in error.messages[0]


@pytest.mark.parametrize("value", ["9310", "931000", "93 10", "ABCDE"])
def test_postal_codes_have_five_digits(value):
    assert error_of(validators.validate_postal_code, value).code == "postal_code_format"


@pytest.mark.parametrize(
    "value",
    [
        "01 23 45 67 89",
        "0123456789",
        "01.23.45.67.89",
        "01-23-45-67-89",
        "+33 1 23 45 67 89",
        "+33123456789",
        "+33 (0)1 23 45 67 89",
        "0033 1 23 45 67 89",
        "0033123456789",
    ],
)
def test_french_phone_numbers_are_normalised_to_pairs_of_digits(value):
    assert validators.normalize_phone(value) == "01 23 45 67 89"


def test_mobile_numbers_in_international_form_are_normalised():
    assert validators.normalize_phone("+33 6 12 34 56 78") == "06 12 34 56 78"


@pytest.mark.parametrize("value", ["12345", "00 23 45 67 89", "+44 20 7946 0000", "01 23 45 67 8", "01 23 45 67 89 0"])
def test_malformed_phone_numbers_are_refused_with_a_french_message(value):
    error = error_of(validators.validate_phone, value)
    assert error.code == "phone_format"
    assert error.messages[0].startswith("Numéro de téléphone invalide")


# Opening hours ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["Mo-Fr 09:00-18:00; Sa 10:00-12:00", "24/7", "We,Sa 14:00-18:00", ""])
def test_opening_hours_in_openstreetmap_syntax_are_accepted(value):
    validators.validate_opening_hours(value)


@pytest.mark.parametrize("value", ["lundi 9h-18h", "Mo-Fr 9-18", "Mo-Fr 25:00-26:00", "Xx 09:00-10:00"])
def test_malformed_opening_hours_are_refused_with_an_example_of_the_syntax(value):
    error = error_of(validators.validate_opening_hours, value)
    assert error.code == "opening_hours"
    assert "Mo-Fr 09:00-18:00" in error.messages[0]


# Coordinates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (Decimal("48.861100"), Decimal("2.443700")),  # Montreuil
        (48.9086, 2.4397),  # Bobigny, as floats
        (-21.115, 55.536),  # La Réunion
        (None, None),  # no position at all
    ],
)
def test_coordinates_in_france_or_none_are_accepted(latitude, longitude):
    validators.validate_coordinates(latitude, longitude)


def test_coordinates_outside_france_are_refused_on_the_latitude():
    error = error_of(validators.validate_coordinates, 40.7128, -74.0060)
    assert list(error.message_dict) == ["latitude"]
    assert error.error_dict["latitude"][0].code == "coordinates_outside_france"
    assert "hors de France" in error.message_dict["latitude"][0]


def test_swapped_coordinates_are_refused_with_a_hint_about_the_order():
    error = error_of(validators.validate_coordinates, Decimal("2.443700"), Decimal("48.861100"))
    assert "inversées" in error.message_dict["latitude"][0]


@pytest.mark.parametrize(("latitude", "longitude", "missing"), [(48.86, None, "longitude"), (None, 2.44, "latitude")])
def test_a_single_coordinate_is_refused_on_the_missing_one(latitude, longitude, missing):
    error = error_of(validators.validate_coordinates, latitude, longitude)
    assert error.message_dict == {missing: ["Indiquez la latitude et la longitude, ou aucune des deux."]}
    assert error.error_dict[missing][0].code == "coordinates_pair"


# Postal code and commune ------------------------------------------------------------


def bobigny() -> Commune:
    return Commune(insee_code="93008", name="Bobigny", postal_codes=["93000"])


def test_a_postal_code_of_the_commune_is_accepted():
    validators.validate_postal_code_in_commune("93000", bobigny())


def test_a_postal_code_of_another_commune_is_refused_naming_the_expected_one():
    error = error_of(validators.validate_postal_code_in_commune, "93100", bobigny())
    assert error.message_dict == {
        "postal_code": ["Le code postal 93100 ne correspond pas à Bobigny (attendu : 93000)."]
    }


def test_a_cedex_code_is_not_a_commune_postal_code():
    error = error_of(validators.validate_postal_code_in_commune, "93507", bobigny())
    assert error.error_dict["postal_code"][0].code == "postal_code_commune_mismatch"


def test_the_postal_code_rule_waits_until_both_values_are_known():
    validators.validate_postal_code_in_commune("", bobigny())
    validators.validate_postal_code_in_commune("93000", None)
