"""Values several models of the tracker share."""

from decimal import Decimal

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.models import PublicationStatus

# A local ESS project above this is a typo (an extra zero or two), not a budget.
MAX_AMOUNT = Decimal("100000000")
ZERO = Decimal("0")


class Source(models.TextChoices):
    STAFF = "staff", _("saisie par l'équipe")
    REFERENCE = "reference", _("données de référence")
    IMPORT = "import", _("import")
    PARTNER_API = "api", _("API partenaire")
    DEMO = "demo", _("démonstration (fictif)")


# Long texts have a ceiling: a description is a few pages, not a dump of megabytes.
# TextField does not validate `max_length` itself (it only sizes the form's textarea), so the
# validator goes with it: full_clean, admin forms and API serializers all refuse longer texts.
DESCRIPTION_MAX_LENGTH = 20_000
NOTE_MAX_LENGTH = 5_000


def bounded_text(verbose_name, *, max_length: int = DESCRIPTION_MAX_LENGTH, **kwargs) -> models.TextField:
    """A TextField of at most `max_length` characters, enforced by validation."""
    return models.TextField(verbose_name, max_length=max_length, validators=[MaxLengthValidator(max_length)], **kwargs)


class PublishableQuerySet(models.QuerySet):
    """The tracker's published records (initiatives, sites), and those withdrawn from the public."""

    def published(self):
        """What the public may see: the one visibility rule of pages, API, sitemap and exports."""
        return self.filter(publication_status=PublicationStatus.PUBLISHED)

    def withdrawn_since(self, since):
        """Records once public (a published row in their history), no longer published, changed since `since`."""
        was_published = models.Exists(
            self.model.history.filter(id=models.OuterRef("pk"), publication_status=PublicationStatus.PUBLISHED)
        )
        return (
            self.exclude(publication_status=PublicationStatus.PUBLISHED)
            .filter(updated_at__gte=since)
            .filter(was_published)
        )
