"""Reading the official perimeter file of the priority neighbourhoods (QPV), and finding the one a point lies in.

The file is the ANCT's GeoJSON (« quartiers prioritaires de la politique de la ville », 2024
generation, WGS 84): one feature per neighbourhood and commune, with `code_qp`, `lib_qp` and
`insee_com`. Older and re-published variants name the fields otherwise (`CODE_QP`, `NOM_QP`,
`commune_qp` with commune names…): the first field found among the known names is read, or
the one the caller names.

Every feature must carry a code, a name and a commune. Features of the same code are one
neighbourhood (their shapes joined). Only the neighbourhoods touching one of the territory's
communes are kept; their shapes are then checked (Polygon or MultiPolygon, valid, in degrees).
Any problem stops the reading with a French message naming the feature (`QpvFileError`).
"""

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.errors import GEOSException
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from directory.models import Commune, Neighbourhood, normalize_search_text

# Field names of the official file and of its common re-publications, in the order they are tried.
CODE_FIELDS = ("code_qp", "CODE_QP", "Code_QP", "code_quartier", "code_qpv", "CODE_QPV")
NAME_FIELDS = ("lib_qp", "LIB_QP", "nom_qp", "NOM_QP", "Nom_QP", "nom_quartier", "lib_qpv", "nom_qpv")
# Commune codes first (unambiguous), then commune names.
COMMUNE_FIELDS = (
    "insee_com",
    "INSEE_COM",
    "code_insee",
    "CODE_INSEE",
    "insee_code",
    "commune_qp",
    "COMMUNE_QP",
    "lib_com",
    "LIB_COM",
    "nom_com",
    "NOM_COM",
)

# GeoJSON (RFC 7946) is WGS 84 longitude/latitude; files written before it may say so in a `crs` member.
WGS84_NAMES = re.compile(r"^(URN:OGC:DEF:CRS:OGC:(1\.3)?:CRS84|(URN:OGC:DEF:CRS:)?EPSG:{1,2}4326|CRS84)$")
INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
# Several communes in one value: « Montreuil, Bagnolet ».
COMMUNE_SEPARATORS = re.compile(r"[,;|]")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
CODE_MAX_LENGTH = Neighbourhood._meta.get_field("code").max_length
NAME_MAX_LENGTH = Neighbourhood._meta.get_field("name").max_length
CONVERT_HINT = "par exemple : ogr2ogr -t_srs EPSG:4326 qpv-wgs84.geojson qpv.geojson"


class QpvFileError(Exception):
    """The file cannot be imported; the message says why (and which feature), in French."""


@dataclass(frozen=True)
class FieldNames:
    """The property names to read; each None means « the first of the known names present »."""

    code: str | None = None
    name: str | None = None
    commune: str | None = None


@dataclass
class Perimeter:
    """One priority neighbourhood of the file: its code, name, the territory's communes it lies in, its shape."""

    code: str
    name: str
    communes: list[Commune]
    geometry: BaseGeometry
    features: list[int] = field(default_factory=list)

    def covers(self, point: Point) -> bool:
        return self.geometry.covers(point)


@dataclass(frozen=True)
class QpvFile:
    perimeters: list[Perimeter]
    features: int
    outside: int


@dataclass
class _Feature:
    number: int
    code: str
    name: str
    commune_ids: set[int]
    geometry: object


def _property(properties: dict, names: Sequence[str]):
    for name in names:
        value = properties.get(name)
        if value not in (None, ""):
            return value
    return None


def _text(value, *, number: int, what: str, max_length: int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise QpvFileError(f"Entité n° {number} : le {what} n'est pas un texte ({json.dumps(value)[:60]}).")
    text = " ".join(str(value).split())
    if not text:
        raise QpvFileError(f"Entité n° {number} : le {what} est vide.")
    if len(text) > max_length:
        raise QpvFileError(f"Entité n° {number} : le {what} dépasse {max_length} caractères (« {text[:60]}… »).")
    return text


class _Communes:
    """The communes known to the portal, by INSEE code and by name (accents, case and punctuation aside)."""

    def __init__(self):
        self.all = {commune.pk: commune for commune in Commune.objects.all()}
        self.by_code = {commune.insee_code: commune for commune in self.all.values()}
        self.by_name = {normalize_search_text(commune.name): commune for commune in self.all.values()}
        self.territory = {pk for pk, commune in self.all.items() if commune.in_territory}

    def resolve(self, value, *, number: int, field_name: str) -> set[int]:
        """The known communes `value` names. A commune the portal does not know is outside the territory."""
        if isinstance(value, list):
            tokens = value
        elif isinstance(value, str):
            tokens = COMMUNE_SEPARATORS.split(value)
        else:
            tokens = [value]
        codes = []
        for token in tokens:
            if isinstance(token, int) and not isinstance(token, bool):
                # Codes written as numbers lose their leading zero (1004 for 01004).
                token = f"{token:05d}"
            if not isinstance(token, str):
                raise QpvFileError(
                    f"Entité n° {number} : commune illisible dans le champ « {field_name} » ({json.dumps(token)[:60]})."
                )
            if token.strip():
                codes.append(token.strip())
        if not codes:
            raise QpvFileError(f"Entité n° {number} : commune absente (champ « {field_name} » vide).")
        found = set()
        for token in codes:
            if token[:1].isdigit():
                token = token.upper()
                if not INSEE_CODE.match(token):
                    raise QpvFileError(
                        f"Entité n° {number} : « {token} » n'est pas un code INSEE de commune (5 caractères) "
                        f"dans le champ « {field_name} »."
                    )
                commune = self.by_code.get(token)
            else:
                commune = self.by_name.get(normalize_search_text(token))
            if commune is not None:
                found.add(commune.pk)
        return found


def _check_crs(document: dict) -> None:
    crs = document.get("crs")
    if crs is None:
        return
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str) or not WGS84_NAMES.match(name.strip().upper()):
        raise QpvFileError(
            f"Le fichier est dans le système de coordonnées « {name or json.dumps(crs)[:80]} » : seul le WGS 84 "
            f"en degrés (EPSG:4326, celui du GeoJSON) est accepté. Convertissez-le d'abord, {CONVERT_HINT}."
        )


def _positions_ok(rings) -> bool:
    """Rings of [longitude, latitude] numbers, each closed ring of at least 4 positions."""
    if not isinstance(rings, list) or not rings:
        return False
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            return False
        for position in ring:
            if not isinstance(position, list) or len(position) not in (2, 3):
                return False
            for number in position:
                if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
                    return False
    return True


def _shape(geometry, *, number: int) -> BaseGeometry:
    if not isinstance(geometry, dict):
        raise QpvFileError(f"Entité n° {number} : pas de géométrie.")
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        raise QpvFileError(
            f"Entité n° {number} : géométrie de type « {kind} » ; un périmètre est un Polygon ou un MultiPolygon."
        )
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons or not all(_positions_ok(p) for p in polygons):
        raise QpvFileError(
            f"Entité n° {number} : coordonnées illisibles ({kind} attendu sous la forme de anneaux fermés "
            "d'au moins 4 positions [longitude, latitude])."
        )
    try:
        result = shape(geometry)
    except (GEOSException, ValueError, TypeError, IndexError) as exc:
        raise QpvFileError(f"Entité n° {number} : géométrie illisible ({exc}).") from None
    min_lon, min_lat, max_lon, max_lat = result.bounds
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise QpvFileError(
            f"Entité n° {number} : les coordonnées ne sont pas des degrés WGS 84 (le fichier est sans doute en "
            f"Lambert 93 ou dans une autre projection). Convertissez-le d'abord, {CONVERT_HINT}."
        )
    if result.is_empty or not result.is_valid:
        reason = "vide" if result.is_empty else explain_validity(result)
        raise QpvFileError(f"Entité n° {number} : géométrie invalide ({reason}).")
    return result


def _load(path: Path) -> dict:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise QpvFileError(f"Impossible de lire le fichier « {path} » : {exc.strerror or exc}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QpvFileError("Le fichier n'est pas encodé en UTF-8, comme l'exige le GeoJSON.") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise QpvFileError(
            f"Le fichier n'est pas du JSON valide (ligne {exc.lineno}, colonne {exc.colno} : {exc.msg})."
        ) from None
    except RecursionError:
        raise QpvFileError("Le fichier n'est pas du GeoJSON lisible (imbrication trop profonde).") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise QpvFileError("Le fichier n'est pas une collection d'entités GeoJSON (« FeatureCollection »).")
    if not isinstance(document.get("features"), list) or not document["features"]:
        raise QpvFileError("Le fichier ne contient aucune entité (« features » vide ou absent).")
    return document


def read_perimeters(path: Path, *, fields: FieldNames = FieldNames()) -> QpvFile:
    """The territory's priority neighbourhoods of the official file at `path` (see the module's docstring)."""
    document = _load(path)
    _check_crs(document)
    communes = _Communes()
    code_fields = (fields.code,) if fields.code else CODE_FIELDS
    name_fields = (fields.name,) if fields.name else NAME_FIELDS
    commune_fields = (fields.commune,) if fields.commune else COMMUNE_FIELDS
    by_code: dict[str, list[_Feature]] = {}
    for number, feature in enumerate(document["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise QpvFileError(f"Entité n° {number} : ce n'est pas une entité GeoJSON (« Feature »).")
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            properties = {}
        values = {}
        for what, label, option, names in (
            ("code", "du code", "code", code_fields),
            ("nom", "du nom", "name", name_fields),
            ("commune", "de la commune", "commune", commune_fields),
        ):
            value = _property(properties, names)
            if value is None:
                raise QpvFileError(
                    f"Entité n° {number} : champ {label} absent (attendu : {', '.join(names)} ; "
                    f"sinon nommez le champ avec --{option}-field)."
                )
            values[what] = value
        commune_field = next(name for name in commune_fields if properties.get(name) not in (None, ""))
        code = _text(values["code"], number=number, what="code", max_length=CODE_MAX_LENGTH)
        item = _Feature(
            number=number,
            code=code.upper(),
            name=_text(values["nom"], number=number, what="nom", max_length=NAME_MAX_LENGTH),
            commune_ids=communes.resolve(values["commune"], number=number, field_name=commune_field),
            geometry=feature.get("geometry"),
        )
        by_code.setdefault(item.code, []).append(item)
    perimeters, outside = [], 0
    for code, items in sorted(by_code.items()):
        territory = set().union(*(item.commune_ids for item in items)) & communes.territory
        if not territory:
            outside += 1
            continue
        shapes = [_shape(item.geometry, number=item.number) for item in items]
        geometry = shapes[0] if len(shapes) == 1 else shapely.union_all(shapes)
        shapely.prepare(geometry)
        perimeters.append(
            Perimeter(
                code=code,
                name=items[0].name,
                communes=sorted((communes.all[pk] for pk in territory), key=lambda c: c.insee_code),
                geometry=geometry,
                features=[item.number for item in items],
            )
        )
    if not perimeters:
        raise QpvFileError(
            "Aucun quartier du fichier n'est situé dans une commune du territoire : vérifiez que c'est le fichier "
            "des quartiers prioritaires et que le champ de la commune est le bon (--commune-field)."
        )
    return QpvFile(perimeters=perimeters, features=len(document["features"]), outside=outside)


@dataclass(frozen=True)
class Location:
    """Where a point lies: the neighbourhood of its commune that contains it, and whether another one does."""

    neighbourhood: Neighbourhood | None
    in_other_commune: bool


def locate(
    perimeters: Iterable[tuple[Perimeter, Neighbourhood]], *, longitude: float, latitude: float, commune_id: int
) -> Location:
    """The neighbourhood containing the point that lies in the record's commune (the first by code)."""
    point = Point(longitude, latitude)
    other = False
    for perimeter, neighbourhood in perimeters:
        if perimeter.covers(point):
            if any(commune.pk == commune_id for commune in perimeter.communes):
                return Location(neighbourhood, False)
            other = True
    return Location(None, other)
