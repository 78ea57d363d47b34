"""Small factory functions: each creates one valid object, keyword arguments override."""

import itertools

from django.contrib.auth.models import Group, User

from directory.models import (
    Actor,
    Commune,
    Contact,
    Cooperation,
    Deal,
    DealProgramme,
    PublicationStatus,
    Representative,
    Stage,
    SupportOffer,
)
from directory.services import record_deal

_counter = itertools.count(1)


def commune(insee_code: str = "93048") -> Commune:
    return Commune.objects.get(insee_code=insee_code)


def actor(**overrides) -> Actor:
    n = next(_counter)
    fields = {
        "name": f"Acteur fictif {n}",
        "legal_form": Actor.LegalForm.ASSOCIATION,
        "short_description": "Une structure fictive pour les tests.",
        "commune": overrides.pop("commune", None) or commune(),
        "postal_code": "93100",
        "status": PublicationStatus.PUBLISHED,
    }
    fields.update(overrides)
    obj = Actor(**fields)
    obj.full_clean()
    obj.save()
    return obj


def support_offer(**overrides) -> SupportOffer:
    n = next(_counter)
    stages = overrides.pop("stages", None) or [Stage.objects.order_by("position").first()]
    fields = {
        "title": f"Offre fictive {n}",
        "provider": overrides.pop("provider", None) or actor(),
        "kind": SupportOffer.Kind.COACHING,
        "status": PublicationStatus.PUBLISHED,
    }
    fields.update(overrides)
    obj = SupportOffer(**fields)
    obj.full_clean(exclude=["stages"])
    obj.save()
    obj.stages.set(stages)
    return obj


def cooperation(**overrides) -> Cooperation:
    fields = {"kind": Cooperation.Kind.PARTNERSHIP}
    fields.update(overrides)
    if "source" not in fields:
        fields["source"] = actor()
    if "target" not in fields:
        fields["target"] = actor()
    obj = Cooperation(**fields)
    obj.full_clean()
    obj.save()
    return obj


def contact(**overrides) -> Contact:
    n = next(_counter)
    fields = {"last_name": f"Personne fictive {n}", "first_name": "Camille"}
    fields.update(overrides)
    if "actor" not in fields:
        fields["actor"] = actor()
    obj = Contact(**fields)
    obj.full_clean()
    obj.save()
    return obj


def staff_user(*, group: str | None = None, superuser: bool = False, **overrides) -> User:
    """A staff account; `group` is one of the staff groups (« Éditeurs », « Modérateurs », « Lecture seule »)."""
    n = next(_counter)
    user = User.objects.create_user(
        username=overrides.pop("username", f"agent{n}"),
        password="mot-de-passe-de-test",
        is_staff=True,
        is_superuser=superuser,
        **overrides,
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def api_token(*, organisation: Actor | None = None, scopes: list[str] | None = None, name: str = "Synchro de test"):
    """A partner token and its secret (`Authorization: Bearer <secret>`)."""
    from directory.services import create_api_token

    return create_api_token(organisation=organisation or actor(), name=name, scopes=scopes or [])


def structure_account(*actors: Actor, email: str | None = None, password: str | None = "mot-de-passe-de-test") -> User:
    """A structure's account (not staff) representing `actors`, signed in with its e-mail address."""
    n = next(_counter)
    address = email or f"personne{n}@example.org"
    user = User.objects.create_user(username=address, email=address, password=password)
    for represented in actors:
        Representative.objects.create(user=user, actor=represented)
    return user


def deal_programme(**overrides):
    n = next(_counter)
    fields = {"name": f"Programme fictif {n}", "slug": f"programme-fictif-{n}", "is_fictional": True}
    fields.update(overrides)
    return DealProgramme.objects.create(**fields)


def deal(**overrides):
    """A deal between a published ESS actor and a business of the directory, through `services.record_deal`."""
    fields = {
        "kind": Deal.Kind.SUBCONTRACTING,
        "ess_actor": overrides.pop("ess_actor", None) or actor(),
        "partner_kind": Deal.PartnerKind.BUSINESS,
        "year": 2024,
        "amount": 1000,
        "is_fictional": True,
    }
    if "partner_actor" not in overrides and "partner_name" not in overrides:
        fields["partner_actor"] = actor(ess_status=Actor.EssStatus.PARTNER)
    fields.update(overrides)
    return record_deal(deal=Deal(**fields))
