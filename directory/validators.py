"""One validator per rule, shared by models, forms, the admin, the API and importers.

Each validator raises a `ValidationError` with a French message; the normalising
helpers return the canonical form stored in the database.
"""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from opening_hours import OpeningHours, ParserError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

# Metropolitan France with Corsica, and the overseas departments: a point outside
# every box is a typo (swapped latitude and longitude, missing minus sign, …).
FRANCE_BOUNDS = (
    # (min_lat, max_lat, min_lon, max_lon)
    (41.3, 51.2, -5.3, 9.7),  # metropolitan France and Corsica
    (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    (14.3, 14.9, -61.3, -60.8),  # Martinique
    (2.1, 5.8, -54.7, -51.6),  # Guyane
    (-21.4, -20.8, 55.2, 55.9),  # La Réunion
    (-13.1, -12.6, 44.9, 45.4),  # Mayotte
)
# Est Ensemble lies well inside this box; the map and the API's bbox use it too.
TERRITORY_BOUNDS = (48.84, 48.93, 2.38, 2.53)

RNA_RE = re.compile(r"^W\d{9}$")
POSTAL_CODE_RE = re.compile(r"^\d{5}$")
PHONE_RE = re.compile(r"^0[1-9]\d{8}$")


def digits_only(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def validate_siret(value: str) -> None:
    """A SIRET has 14 digits and a Luhn check digit (La Poste's establishments excepted)."""
    compact = digits_only(value)
    if not compact.isdigit() or len(compact) != 14:
        raise ValidationError(_("Un SIRET compte exactement 14 chiffres."), code="siret_length")
    # python-stdnum knows La Poste's exception (SIREN 356000000: sum of digits multiple of 5).
    if not stdnum_siret.is_valid(compact):
        raise ValidationError(
            _("Ce SIRET n'est pas valide (clé de contrôle incorrecte) : vérifiez chaque chiffre."),
            code="siret_checksum",
        )


def validate_siren(value: str) -> None:
    compact = digits_only(value)
    if not compact.isdigit() or len(compact) != 9:
        raise ValidationError(_("Un SIREN compte exactement 9 chiffres."), code="siren_length")
    if not stdnum_siren.is_valid(compact):
        raise ValidationError(_("Ce SIREN n'est pas valide (clé de contrôle incorrecte)."), code="siren_checksum")


def validate_rna(value: str) -> None:
    if not RNA_RE.match((value or "").strip().upper()):
        raise ValidationError(
            _("Un numéro RNA s'écrit W suivi de 9 chiffres (par exemple W931234567)."), code="rna_format"
        )


def validate_postal_code(value: str) -> None:
    if not POSTAL_CODE_RE.match(value or ""):
        raise ValidationError(_("Un code postal compte exactement 5 chiffres."), code="postal_code_format")


def normalize_phone(value: str) -> str:
    """Return a French phone number as « 01 23 45 67 89 », accepting +33 and 0033 forms."""
    compact = re.sub(r"[\s.\-()]", "", value or "")
    for prefix in ("+33", "0033"):
        if compact.startswith(prefix):
            rest = compact[len(prefix) :]
            # « +33 (0)1 23 45 67 89 »: the bracketed trunk zero is written but not dialled.
            if len(rest) == 10 and rest.startswith("0"):
                rest = rest[1:]
            compact = "0" + rest
            break
    if not PHONE_RE.match(compact):
        raise ValidationError(
            _("Numéro de téléphone invalide : 10 chiffres commençant par 0, ou +33 suivi de 9 chiffres."),
            code="phone_format",
        )
    return " ".join(compact[i : i + 2] for i in range(0, 10, 2))


def phone_e164(value: str) -> str:
    """A French phone number in the international E.164 form (« +33123456789 »), or "" if it is not one."""
    try:
        national = normalize_phone(value).replace(" ", "")
    except ValidationError:
        return ""
    return "+33" + national[1:]


def validate_phone(value: str) -> None:
    normalize_phone(value)


def validate_opening_hours(value: str) -> None:
    """Opening hours use OpenStreetMap's `opening_hours` syntax (e.g. « Mo-Fr 09:00-18:00 »)."""
    if not value:
        return
    try:
        OpeningHours(value)
    except (ParserError, ValueError) as exc:
        raise ValidationError(
            _(
                "Horaires illisibles : utilisez la syntaxe OpenStreetMap, "
                "par exemple « Mo-Fr 09:00-18:00; Sa 10:00-12:00 »."
            ),
            code="opening_hours",
        ) from exc


def validate_coordinates(latitude: Decimal | float | None, longitude: Decimal | float | None) -> None:
    """Both coordinates or neither, and the point must lie in France."""
    if latitude is None and longitude is None:
        return
    if latitude is None or longitude is None:
        raise ValidationError(
            {
                "latitude" if latitude is None else "longitude": ValidationError(
                    _("Indiquez la latitude et la longitude, ou aucune des deux."), code="coordinates_pair"
                )
            }
        )
    lat, lon = float(latitude), float(longitude)
    if not any(a <= lat <= b and c <= lon <= d for a, b, c, d in FRANCE_BOUNDS):
        raise ValidationError(
            {
                "latitude": ValidationError(
                    _(
                        "Ces coordonnées (%(lat)s, %(lon)s) sont hors de France : vérifiez qu'elles ne sont pas "
                        "inversées (latitude vers 48,9 et longitude vers 2,4 à Est Ensemble)."
                    )
                    % {"lat": lat, "lon": lon},
                    code="coordinates_outside_france",
                )
            }
        )


def validate_postal_code_in_commune(postal_code: str, commune) -> None:
    """The postal code must be one of the commune's (CEDEX codes are not commune codes)."""
    if not postal_code or commune is None:
        return
    if postal_code not in (commune.postal_codes or []):
        expected = ", ".join(commune.postal_codes or []) or "?"
        raise ValidationError(
            {
                "postal_code": ValidationError(
                    _("Le code postal %(code)s ne correspond pas à %(commune)s (attendu : %(expected)s).")
                    % {"code": postal_code, "commune": commune.name, "expected": expected},
                    code="postal_code_commune_mismatch",
                )
            }
        )


def validate_neighbourhood_in_commune(neighbourhood, commune) -> None:
    """A priority neighbourhood must lie in the chosen commune (actors and sites alike)."""
    if neighbourhood is None or commune is None:
        return
    # Read from the communes prefetched with the neighbourhood when they are (an import's vocabulary).
    prefetched = getattr(neighbourhood, "_prefetched_objects_cache", {}).get("communes")
    if prefetched is not None:
        inside = any(candidate.pk == commune.pk for candidate in prefetched)
    else:
        inside = neighbourhood.communes.filter(pk=commune.pk).exists()
    if not inside:
        raise ValidationError(
            {
                "neighbourhood": ValidationError(
                    _("Ce quartier n'est pas situé dans la commune choisie."), code="neighbourhood_commune_mismatch"
                )
            }
        )
