"""Forms of the awards: the application (public or from a structure's account), the jury's login and scores.

They adapt input only; the rules live in `awards.services` and the models.
"""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from awards.enums import JURY_GROUP
from awards.models import ANSWER_MAX_LENGTH, Application, Edition, deadline_error
from directory.account_forms import HONEYPOT_CLASS
from directory.contributions import GuardedForm
from directory.models import TEXT_MAX_LENGTH
from ess_portal import login_security
from projects.validators import validate_document_file

ATTACHMENT_FIELDS = ("attachment_1", "attachment_2", "attachment_3")


def question_field(pk: int) -> str:
    return f"question_{pk}"


def criterion_field(pk: int) -> str:
    return f"criterion_{pk}"


class ApplicationForm(GuardedForm):
    """« Candidater »: the structure, its project, the answers to the call's questions, up to three files."""

    category = forms.ModelChoiceField(label=_("Catégorie"), queryset=None, empty_label=_("Choisissez une catégorie"))
    actor = forms.ModelChoiceField(
        label=_("Structure que vous représentez"), queryset=None, required=False, empty_label=None
    )
    structure_name = forms.CharField(label=_("Nom de la structure"), max_length=200)
    project_title = forms.CharField(label=_("Titre du projet présenté"), max_length=200)
    contact_name = forms.CharField(
        label=_("Votre prénom et nom"), max_length=150, widget=forms.TextInput({"autocomplete": "name"})
    )
    contact_email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        help_text=_("Pour vous répondre ; vue par l'équipe ESS et le jury seulement."),
        widget=forms.EmailInput({"autocomplete": "email"}),
    )

    def __init__(self, *args, edition: Edition, represented=None, **kwargs):
        self.edition = edition
        super().__init__(*args, **kwargs)
        self.fields["nickname"].widget.attrs["class"] = HONEYPOT_CLASS
        self.fields["category"].queryset = edition.categories.all()
        if represented is not None and represented.exists():
            self.fields["actor"].queryset = represented
            self.fields["actor"].required = True
            self.fields["structure_name"].required = False
            self.fields["structure_name"].help_text = _("Laissé vide : le nom de la fiche de l'annuaire.")
        else:
            del self.fields["actor"]
        for question in edition.questions.all():
            self.fields[question_field(question.pk)] = forms.CharField(
                label=question.label,
                help_text=question.help_text,
                required=question.required,
                max_length=ANSWER_MAX_LENGTH,
                widget=forms.Textarea({"rows": 5}),
            )
        for index, name in enumerate(ATTACHMENT_FIELDS, start=1):
            self.fields[name] = forms.FileField(
                label=_("Pièce jointe %(n)s") % {"n": index},
                required=False,
                validators=[validate_document_file],
                help_text=_(
                    "Facultatif. PDF, image (PNG, JPEG), bureautique (ODF, Office) ou texte/CSV ; 10 Mo au plus."
                ),
            )

    @property
    def structure_names(self) -> list[str]:
        return [
            n
            for n in ("category", "actor", "structure_name", "project_title", "contact_name", "contact_email")
            if n in self.fields
        ]

    @property
    def question_names(self) -> list[str]:
        return [name for name in self.fields if name.startswith("question_")]

    @property
    def attachment_names(self) -> list[str]:
        return list(ATTACHMENT_FIELDS)

    def clean(self):
        cleaned = super().clean()
        message = deadline_error(self.edition)
        if message:
            raise ValidationError(message, code="deadline")
        return cleaned

    def answers(self) -> dict[int, str]:
        return {
            question.pk: self.cleaned_data.get(question_field(question.pk), "")
            for question in self.edition.questions.all()
        }

    def files_to_attach(self) -> list[tuple[str, object]]:
        return [(upload.name[:200], upload) for name in ATTACHMENT_FIELDS if (upload := self.cleaned_data.get(name))]

    def apply_errors(self, exc: ValidationError) -> None:
        """Show a service's refusal on the form: per field where it names one, else for the whole form."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                target = name if name in self.fields else None
                if name == "files":
                    target = ATTACHMENT_FIELDS[0]
                for error in errors:
                    self.add_error(target, error)
        else:
            self.add_error(None, exc)


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("Votre lien avec cette candidature"),
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Par exemple : « je siège à son conseil d'administration », « nous sommes partenaires »."),
        widget=forms.Textarea({"rows": 3}),
    )


class EvaluationForm(forms.Form):
    """One field per criterion of the edition (0 to its maximum) and a comment."""

    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea({"rows": 4}),
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        fields = {}
        for criterion in self.criteria:
            fields[criterion_field(criterion.pk)] = forms.IntegerField(
                label=_("%(name)s (sur %(max)s, coefficient %(weight)s)")
                % {"name": criterion.name, "max": criterion.max_score, "weight": criterion.weight},
                min_value=0,
                max_value=criterion.max_score,
                help_text=criterion.description,
                widget=forms.NumberInput({"inputmode": "numeric"}),
            )
        # Criteria first, then the comment.
        self.fields = {**fields, "comment": self.fields["comment"]}

    def scores(self) -> dict[int, int]:
        return {criterion.pk: self.cleaned_data[criterion_field(criterion.pk)] for criterion in self.criteria}


class JuryAuthenticationForm(AuthenticationForm):
    """The jury's login: jury-only accounts, with the lockout and, for accounts that have one, the second factor.

    Staff jurors sign in at the admin's login (which asks their second factor) and reach the jury
    pages with that session; this form refuses them, as the structures' login does.
    """

    otp_token = forms.CharField(
        label=_("Code de vérification"),
        required=False,
        max_length=32,
        help_text=_("Si vous avez activé la double authentification : le code à six chiffres, ou un code de secours."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Identifiant ou mot de passe incorrect. Vérifiez-les et réessayez."),
        "staff": _("Les comptes de l'équipe ESS se connectent à l'administration, avec leur double authentification."),
        "not_jury": _("Ce compte n'est pas un compte de juré."),
        **{key: login_security.StaffAuthenticationForm.error_messages[key] for key in ("otp_required", "otp_invalid")},
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_staff or user.is_superuser:
            raise ValidationError(self.error_messages["staff"], code="staff")
        if not user.groups.filter(name=JURY_GROUP).exists():
            raise ValidationError(self.error_messages["not_jury"], code="not_jury")

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and login_security.has_confirmed_device(user):
            token = cleaned.get("otp_token") or ""
            if not token.strip():
                raise ValidationError(self.error_messages["otp_required"], code="otp_required")
            device = login_security.verify_second_factor(user=user, token=token)
            if device is None:
                user_login_failed.send(
                    sender=__name__, credentials={"username": user.get_username()}, request=self.request
                )
                raise ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
            user.otp_device = device
        return cleaned


class ApplicationAdminForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = [
            "edition",
            "category",
            "actor",
            "structure_name",
            "project_title",
            "contact_name",
            "contact_email",
            "eligibility",
            "eligibility_reason",
            "is_fictional",
        ]
