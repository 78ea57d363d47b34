"""The strategy tracker: axes, initiatives and what hangs off them, sites and premises.

One module per cluster; every model is importable from `projects.models`.
"""

from projects.models.common import MAX_AMOUNT, ZERO, Source
from projects.models.energy import EnergyAssessment, EnergyCriterion, EnergyReview
from projects.models.events import Event, EventQuerySet
from projects.models.indicators import Indicator, IndicatorQuerySet, Measurement
from projects.models.initiatives import (
    FundingLine,
    FundingTotals,
    Initiative,
    InitiativeQuerySet,
    Involvement,
    Milestone,
    StatusChange,
)
from projects.models.records import (
    DOCUMENTS_DIR,
    Consultation,
    ConsultationEffect,
    ConsultationParticipant,
    ConsultationQuerySet,
    Document,
    DocumentQuerySet,
    JournalEntry,
    JournalEntryQuerySet,
    document_upload_to,
)
from projects.models.sites import Site, SiteQuerySet
from projects.models.strategy import Objective, StrategyAxis

__all__ = [
    "DOCUMENTS_DIR",
    "MAX_AMOUNT",
    "ZERO",
    "Consultation",
    "ConsultationEffect",
    "ConsultationParticipant",
    "ConsultationQuerySet",
    "Document",
    "DocumentQuerySet",
    "EnergyAssessment",
    "EnergyCriterion",
    "EnergyReview",
    "Event",
    "EventQuerySet",
    "FundingLine",
    "FundingTotals",
    "Indicator",
    "IndicatorQuerySet",
    "Initiative",
    "InitiativeQuerySet",
    "Involvement",
    "JournalEntry",
    "JournalEntryQuerySet",
    "Measurement",
    "Milestone",
    "Objective",
    "Site",
    "SiteQuerySet",
    "Source",
    "StatusChange",
    "StrategyAxis",
    "document_upload_to",
]
