"""Every writable field of every API write, and whole hostile bodies, against the corpus.

A refused write is a 4xx in the API's error shape and leaves nothing behind: the target record's
fields, and the number of actors, initiatives, status changes and history rows of every kind,
are what they were. An accepted write (the corpus holds values a field may store, such as
markup in a name) is a 200 or 201; the next attack starts from the new ETag. An update of a
published record by a token that is not trusted is accepted with a 202: one change request more,
and the record and every other table as they were.
"""

import json

import pytest

from directory.api.actors import ActorWriteSerializer
from directory.models import Actor, ApiToken, ChangeRequest, PublicationStatus
from projects.api import InitiativeWriteSerializer
from tests import factories
from tests.hostile import corpus
from tests.hostile.harness import api_error_problem, changes, database_state, report, send
from tests.projects import factories as project_factories

pytestmark = pytest.mark.django_db

JSON = "application/json"
# Answers that mean the harness, not the corpus, was refused: the attack never reached validation.
HARNESS_REFUSALS = {401, 403, 412, 428}
# Written (200, 201) or queued for review (202).
ACCEPTED = (200, 201, 202)

# If-Match values whose version looks like digits to str.isdigit() but not to int(): a 500 today.
KNOWN_IF_MATCH_CRASHES = ["version_past_int_digits", "superscript_digit_version"]


def writable_fields(serializer_class) -> list[str]:
    return [name for name, field in serializer_class().fields.items() if not field.read_only]


def body_with(base: dict, fragments: dict[str, str] | None = None) -> bytes:
    """`base` as a JSON object, with each field of `fragments` set to its raw JSON fragment."""
    fragments = fragments or {}
    members = [f"{json.dumps(key)}: {json.dumps(value)}" for key, value in base.items() if key not in fragments]
    members += [f"{json.dumps(field)}: {fragment}" for field, fragment in fragments.items()]
    return ("{" + ", ".join(members) + "}").encode()


class Target:
    """One write of the API: its method and path, the record it may change, a valid base body."""

    def __init__(self, client, method: str, path: str, record, token: str, base: dict, *, guarded: bool):
        self.client, self.method, self.path, self.record, self.base = client, method, path, record, base
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        self.guarded = guarded
        self.etag = self.read_etag() if guarded else None
        # What the database held before the first attack or after the last accepted write: a refusal
        # must leave it so.
        self.state = None

    def read_etag(self) -> str:
        return send(self.client, "GET", self.path)["ETag"]

    def send(self, body: bytes, content_type: str = JSON, **headers):
        extra = {**self.headers, **({"HTTP_IF_MATCH": self.etag} if self.guarded else {}), **headers}
        return send(self.client, self.method, self.path, body=body, content_type=content_type, **extra)

    def accepts_base(self) -> None:
        """The base body goes through: the corpus's refusals are about the attack, not the harness."""
        response, problems = self.attempt("base", body_with(self.base))
        assert response.status_code in ACCEPTED, _excerpt(response)
        assert problems == []

    def attempt(self, label: str, body: bytes, content_type: str = JSON, *, may_succeed=True, refusals=None, **headers):
        """Send one attack; return the answer and what went wrong with it (an empty list when nothing did).

        `refusals` are the statuses a refusal may have (by default any 4xx that is not the harness's
        own: a missing token, scope or If-Match).
        """
        if self.state is None:
            self.state = database_state(self.record)
        response = self.send(body, content_type, **headers)
        status = response.status_code
        if status in ACCEPTED:
            before, self.state = self.state, database_state(self.record)
            problems = self.accepted_problems(label, response, before, self.state)
            return response, problems if may_succeed else [(label, "accepted", status, _excerpt(response))]
        allowed = refusals if refusals is not None else set(range(400, 500)) - HARNESS_REFUSALS
        if status not in allowed:
            return response, [(label, status, _excerpt(response))]
        failures = []
        if problem := api_error_problem(response):
            failures.append((label, problem))
        after = database_state(self.record)
        if after != self.state:
            failures.append((label, "refused but changed", changes(self.state, after)))
            self.state = after
        return response, failures

    def throw(self, attacks: dict[str, tuple[bytes, str]], **options) -> list:
        """`attempt` each (body, content type) of `attacks`; return every failure."""
        failures = []
        for label, (body, content_type) in attacks.items():
            failures += self.attempt(label, body, content_type, **options)[1]
        return failures

    def throw_at_fields(self, fields: list[str], label: str, fragment: str) -> list:
        """One value of the corpus at every field at once; the fields the answer refuses are dropped and
        the rest sent again, until the write is accepted. Every field thus validates the value, and every
        field that accepts it takes it through the model's rules to the database."""
        failures = []
        remaining = list(fields)
        while remaining:
            response, problems = self.attempt(label, body_with(self.base, dict.fromkeys(remaining, fragment)))
            failures += problems
            if problems or response.status_code in ACCEPTED:
                break
            body = response.json()
            if body["code"] == "parse_error":
                # The value is not JSON any field could hold (a lone surrogate, nesting too deep).
                break
            refused = set(body["errors"]) & set(remaining)
            if not refused:
                # A rule across fields (or on a field not sent): each remaining field on its own.
                for field in remaining if len(remaining) > 1 else []:
                    failures += self.attempt(f"{field}={label}", body_with(self.base, {field: fragment}))[1]
                break
            remaining = [field for field in remaining if field not in refused]
        return failures

    def accepted_problems(self, label: str, response, before: tuple, after: tuple) -> list:
        counts_before, counts_after = before[0], after[0]
        if response.status_code == 202:
            table = ChangeRequest._meta.db_table
            if changes(before, after) != {table: (counts_before[table], counts_before[table] + 1)}:
                return [(label, "queued but changed", changes(before, after))]
            return []
        if self.method == "POST":
            table = Actor._meta.db_table
            if counts_after[table] != counts_before[table] + 1:
                return [(label, "not one new actor", counts_before[table], counts_after[table])]
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


def actor_targets(client) -> dict[str, Target]:
    # Trusted: its updates of its published record are written at once, through the model's rules.
    token, raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS, ApiToken.Scope.TRUSTED])
    own = token.organisation
    path = f"/api/v1/actors/{own.slug}/"
    put_base = {**ACTOR_BASE, "name": own.name, "short_description": own.short_description}
    reviewed, reviewed_raw = factories.api_token(scopes=[ApiToken.Scope.WRITE_ACTORS])
    reviewed_path = f"/api/v1/actors/{reviewed.organisation.slug}/"
    return {
        "POST actors": Target(client, "POST", "/api/v1/actors/", own, raw, ACTOR_BASE, guarded=False),
        "PATCH actor": Target(client, "PATCH", path, own, raw, {}, guarded=True),
        "PUT actor": Target(client, "PUT", path, own, raw, put_base, guarded=True),
        "PATCH actor under review": Target(
            client, "PATCH", reviewed_path, reviewed.organisation, reviewed_raw, {}, guarded=True
        ),
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
    ("PATCH actor under review", ActorWriteSerializer),
    ("PATCH initiative", InitiativeWriteSerializer),
]
TARGET_NAMES = [name for name, _serializer in FIELD_TARGETS]


@pytest.mark.parametrize(("target_name", "serializer_class"), FIELD_TARGETS, ids=TARGET_NAMES)
def test_each_writable_field_against_the_corpus(hostile_client, target_name, serializer_class):
    target = targets(hostile_client)[target_name]
    target.accepts_base()
    fields = writable_fields(serializer_class)
    failures = []
    for label, fragment in corpus.JSON_VALUES.items():
        failures += target.throw_at_fields(fields, label, fragment)
    assert failures == [], report(failures)


@pytest.mark.parametrize("target_name", TARGET_NAMES)
def test_hostile_whole_bodies_are_refused_and_change_nothing(hostile_client, target_name):
    target = targets(hostile_client)[target_name]
    attacks = {label: (body, JSON) for label, body in corpus.BODIES.items()}
    attacks.update(
        {f"content_type={label}": (body, content_type) for label, content_type, body in corpus.CONTENT_TYPES}
    )
    failures = target.throw(attacks, may_succeed=False)
    # A charset Python does not know is ignored, as Django does: the body is read as UTF-8.
    body = body_with({**target.base, "description": "Texte fictif."})
    failures += target.attempt("unknown_charset", body, "application/json; charset=x-bogus")[1]
    assert failures == [], report(failures)


@pytest.mark.parametrize("target_name", TARGET_NAMES)
def test_bodies_over_the_upload_limit_are_413_or_415(hostile_client, settings, target_name):
    target = targets(hostile_client)[target_name]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    padding = "x" * 2000
    attacks = {
        "json": (body_with({**target.base, "description": padding}), JSON),
        "json_of_escapes": (body_with(target.base, {"description": '"' + "\\u00e9" * 200 + '"'}), JSON),
        "form": (f"name={padding}".encode(), "application/x-www-form-urlencoded"),
        "multipart": (
            b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\n' + padding.encode() + b"\r\n--B--\r\n",
            "multipart/form-data; boundary=B",
        ),
    }
    failures = target.throw(attacks, may_succeed=False)
    assert failures == [], report(failures)
    response = target.send(attacks["json"][0])
    assert response.status_code == 413
    assert response.json() == {
        "status": 413,
        "code": "payload_too_large",
        "detail": "Corps de requête trop volumineux.",
        "errors": {},
    }


@pytest.mark.parametrize("target_name", TARGET_NAMES)
def test_a_broken_content_length_is_answered_without_a_crash(hostile_client, target_name):
    target = targets(hostile_client)[target_name]
    body = body_with({**target.base, "description": "Texte fictif."})
    for length in ["-1", "abc", "0", ""]:
        failures = target.attempt(f"content_length={length}", body, CONTENT_LENGTH=length)[1]
        assert failures == [], report(failures)


@pytest.mark.parametrize("target_name", ["PATCH actor", "PUT actor", "PATCH actor under review", "PATCH initiative"])
def test_hostile_if_match_headers_are_a_412_or_428(hostile_client, target_name):
    target = targets(hostile_client)[target_name]
    target.guarded = False
    body = body_with({**target.base, "description": "Texte fictif."})
    failures = []
    for label, value in corpus.IF_MATCH_VALUES.items():
        if label in KNOWN_IF_MATCH_CRASHES:
            continue  # test_an_if_match_version_int_cannot_read_is_a_412 keeps them
        failures += target.throw(
            {f"if_match={label}": (body, JSON)}, may_succeed=False, refusals={412, 428}, HTTP_IF_MATCH=value
        )
    assert failures == [], report(failures)


@pytest.mark.parametrize("target_name", TARGET_NAMES)
def test_hostile_authorization_headers_are_a_401(hostile_client, target_name):
    target = targets(hostile_client)[target_name]
    body = body_with({**target.base, "description": "Texte fictif."})
    failures = []
    for label, value in corpus.AUTHORIZATION_VALUES.items():
        failures += target.throw(
            {f"authorization={label}": (body, JSON)}, may_succeed=False, refusals={401}, HTTP_AUTHORIZATION=value
        )
    assert failures == [], report(failures)


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
    assert failures == [], report(failures)


@pytest.mark.parametrize("label", KNOWN_IF_MATCH_CRASHES)
def test_an_if_match_version_int_cannot_read_is_a_412(hostile_client, label):
    target = targets(hostile_client)["PATCH actor"]
    before = database_state(target.record)
    response = target.send(b'{"description": "x"}', HTTP_IF_MATCH=corpus.IF_MATCH_VALUES[label])
    assert database_state(target.record) == before
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
