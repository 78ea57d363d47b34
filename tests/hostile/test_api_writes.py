"""Every writable field of every API write, and whole hostile bodies, against the corpus.

A refused write is a 4xx in the API's error shape and leaves nothing behind: the target record's
fields, and the number of actors, initiatives, status changes and history rows of every kind,
are what they were. An accepted write (the corpus holds values a field may store, such as
markup in a name) is a 200 or 201; the next attack starts from the new ETag.
"""

import json

import pytest

from directory.api.actors import ActorWriteSerializer
from directory.models import Actor, ApiToken, PublicationStatus
from projects.api import InitiativeWriteSerializer
from tests import factories
from tests.hostile import corpus
from tests.hostile.harness import api_error_problem, changes, database_state, send
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

JSON = "application/json"
# Answers that mean the harness, not the corpus, was refused: the attack never reached validation.
HARNESS_REFUSALS = {401, 403, 412, 428}


def writable_fields(serializer_class) -> list[str]:
    return [name for name, field in serializer_class().fields.items() if not field.read_only]


def body_with(base: dict, field: str | None = None, fragment: str | None = None) -> bytes:
    """`base` as a JSON object, with `field` set to the raw JSON `fragment`."""
    members = [f"{json.dumps(key)}: {json.dumps(value)}" for key, value in base.items() if key != field]
    if field is not None:
        members.append(f"{json.dumps(field)}: {fragment}")
    return ("{" + ", ".join(members) + "}").encode()


class Target:
    """One write of the API: its method and path, the record it may change, a valid base body."""

    def __init__(self, client, method: str, path: str, record, token: str, base: dict, *, guarded: bool):
        self.client, self.method, self.path, self.record, self.base = client, method, path, record, base
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        self.guarded = guarded
        self.etag = self.read_etag() if guarded else None

    def read_etag(self) -> str:
        return send(self.client, "GET", self.path)["ETag"]

    def send(self, body: bytes, content_type: str = JSON, **headers):
        extra = {**self.headers, **({"HTTP_IF_MATCH": self.etag} if self.guarded else {}), **headers}
        return send(self.client, self.method, self.path, body=body, content_type=content_type, **extra)

    def accepts_base(self) -> None:
        """The base body goes through: the corpus's refusals are about the attack, not the harness."""
        response = self.send(body_with(self.base))
        assert response.status_code in (200, 201), _excerpt(response)
        assert self.accepted_problems("base", response) == []

    def throw(
        self, attacks: dict[str, tuple[bytes, str]], *, may_succeed: bool = True, refusals=None, **headers
    ) -> list:
        """Send each (body, content type); return what went wrong (an empty list when nothing did).

        `refusals` are the statuses a refusal may have (by default any 4xx that is not the harness's
        own: a missing token, scope or If-Match).
        """
        failures = []
        before = database_state(self.record)
        for label, (body, content_type) in attacks.items():
            response = self.send(body, content_type, **headers)
            status = response.status_code
            if status in (200, 201) and may_succeed:
                failures += self.accepted_problems(label, response)
                before = database_state(self.record)
                continue
            allowed = refusals if refusals is not None else set(range(400, 500)) - HARNESS_REFUSALS
            if status not in allowed:
                failures.append((label, status, _excerpt(response)))
                continue
            if problem := api_error_problem(response):
                failures.append((label, problem))
            after = database_state(self.record)
            if after != before:
                failures.append((label, "refused but changed", changes(before, after)))
                before = after
        return failures

    def accepted_problems(self, label: str, response) -> list:
        if self.method == "POST":
            created = Actor.objects.order_by("-pk").first()
            # A partner's proposal waits for review, whatever the body says.
            if (created.status, created.source) != (PublicationStatus.PENDING, Actor.Source.PARTNER_API):
                return [(label, "created outside review", created.status, created.source)]
            return []
        self.etag = response["ETag"]
        return []


def _excerpt(response) -> str:
    try:
        return json.dumps(response.json())[:300]
    except ValueError:
        return repr(getattr(response, "content", b"")[:300])


ACTOR_BASE = {"name": "Structure fictive", "legal_form": "association", "commune": "93048", "postal_code": "93100"}
INITIATIVE_BASE = {"title": "Projet fictif", "summary": "Un projet fictif pour les tests."}


def actor_targets(client) -> dict[str, Target]:
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    own = token.organisation
    path = f"/api/v1/actors/{own.slug}/"
    put_base = {**ACTOR_BASE, "name": own.name, "short_description": own.short_description}
    return {
        "POST actors": Target(client, "POST", "/api/v1/actors/", own, raw, ACTOR_BASE, guarded=False),
        "PATCH actor": Target(client, "PATCH", path, own, raw, {}, guarded=True),
        "PUT actor": Target(client, "PUT", path, own, raw, put_base, guarded=True),
    }


def initiative_target(client) -> Target:
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_INITIATIVES])
    initiative = project_factories.initiative(lead_actor=token.organisation)
    path = f"/api/v1/initiatives/{initiative.slug}/"
    return Target(client, "PATCH", path, initiative, raw, {}, guarded=True)


def targets(client) -> dict[str, Target]:
    return {**actor_targets(client), "PATCH initiative": initiative_target(client)}


FIELD_TARGETS = [
    ("POST actors", ActorWriteSerializer),
    ("PATCH actor", ActorWriteSerializer),
    ("PUT actor", ActorWriteSerializer),
    ("PATCH initiative", InitiativeWriteSerializer),
]
TARGET_NAMES = [name for name, _serializer in FIELD_TARGETS]


@pytest.mark.parametrize(("target_name", "serializer_class"), FIELD_TARGETS, ids=TARGET_NAMES)
def test_each_writable_field_against_the_corpus(hostile_client, target_name, serializer_class):
    target = targets(hostile_client)[target_name]
    target.accepts_base()
    failures = []
    for field in writable_fields(serializer_class):
        attacks = {
            f"{field}={label}": (body_with(target.base, field, fragment), JSON)
            for label, fragment in corpus.JSON_VALUES.items()
        }
        failures += target.throw(attacks)
    assert failures == []


@pytest.mark.parametrize("target_name", TARGET_NAMES)
def test_hostile_whole_bodies_are_refused_and_change_nothing(hostile_client, target_name):
    target = targets(hostile_client)[target_name]
    attacks = {label: (body, JSON) for label, body in corpus.BODIES.items()}
    attacks.update({f"content_type={label}": (body, content_type) for label, content_type, body in corpus.CONTENT_TYPES})
    assert target.throw(attacks, may_succeed=False) == []


@pytest.mark.parametrize("target_name", TARGET_NAMES)
def test_bodies_over_the_upload_limit_are_413_or_415(hostile_client, settings, target_name):
    target = targets(hostile_client)[target_name]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    padding = "x" * 2000
    attacks = {
        "json": (body_with({**target.base, "description": padding}), JSON),
        "json_of_escapes": (body_with({**target.base, "description": "\u00e9" * 200}), JSON),
        "form": (f"name={padding}".encode(), "application/x-www-form-urlencoded"),
        "multipart": (
            b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\n' + padding.encode() + b"\r\n--B--\r\n",
            "multipart/form-data; boundary=B",
        ),
    }
    failures = target.throw(attacks, may_succeed=False)
    assert failures == []
    response = target.send(attacks["json"][0])
    assert response.status_code == 413
    assert response.json() == {
        "status": 413,
        "code": "payload_too_large",
        "detail": "Corps de requête trop volumineux.",
        "errors": {},
    }


@pytest.mark.parametrize("target_name", TARGET_NAMES)
def test_a_lying_content_length_is_refused(hostile_client, target_name):
    target = targets(hostile_client)[target_name]
    body = body_with({**target.base, "description": "Texte fictif."})
    for length in ["-1", "abc", "0", ""]:
        failures = target.throw({f"content_length={length}": (body, JSON)}, CONTENT_LENGTH=length)
        assert failures == [], length


@pytest.mark.parametrize("target_name", ["PATCH actor", "PUT actor", "PATCH initiative"])
def test_hostile_if_match_headers_are_a_412_or_428(hostile_client, target_name):
    target = targets(hostile_client)[target_name]
    target.guarded = False
    body = body_with({**target.base, "description": "Texte fictif."})
    failures = []
    for label, value in corpus.IF_MATCH_VALUES.items():
        failures += target.throw(
            {f"if_match={label}": (body, JSON)}, may_succeed=False, refusals={412, 428}, HTTP_IF_MATCH=value
        )
    assert failures == []


@pytest.mark.parametrize("target_name", TARGET_NAMES)
def test_hostile_authorization_headers_are_a_401(hostile_client, target_name):
    target = targets(hostile_client)[target_name]
    body = body_with({**target.base, "description": "Texte fictif."})
    failures = []
    for label, value in corpus.AUTHORIZATION_VALUES.items():
        failures += target.throw(
            {f"authorization={label}": (body, JSON)}, may_succeed=False, refusals={401}, HTTP_AUTHORIZATION=value
        )
    assert failures == []


def test_writes_on_hostile_lookups_are_a_404_and_change_nothing(hostile_client):
    all_targets = targets(hostile_client)
    lookups = {**corpus.query_values(), "dot_dot": "..", "encoded_dot_dot": "%2e%2e"}
    failures = []
    for target in [all_targets["PATCH actor"], all_targets["PATCH initiative"]]:
        collection = target.path.rsplit("/", 2)[0]
        before = database_state(target.record)
        for label, lookup in lookups.items():
            for method in ["PATCH", "PUT"]:
                response = send(
                    hostile_client,
                    method,
                    f"{collection}/{lookup}/",
                    body=b'{"name": "x", "title": "x"}',
                    content_type=JSON,
                    HTTP_IF_MATCH=target.etag,
                    **target.headers,
                )
                if response.status_code != 404 or api_error_problem(response):
                    failures.append((label, method, collection, response.status_code, _excerpt(response)))
        assert database_state(target.record) == before
    assert failures == []
