"""Staff admin of the Trophées de l'ESS.

- Editions with their categories, criteria and questions; actions to open the deliberation and
  publish the results (`awards.deliberate_edition`, `awards.publish_edition`); the edition's page
  shows the jury's progress as counts only, and the ranking once the deliberation is open.
- Applications: the eligibility check (recevable / irrecevable with a reason, kept in the history);
  the admin's add form refuses an application after the deadline like every other entry point.
- Jurors, conflicts (read-only: jurors declare them), evaluations (read-only, and listed only once
  the deliberation is open: before that no score value is shown in the admin, history included).
- Laureates: recorded during the deliberation with the jury's decision, fixed once published.
No deletion of applications, conflicts or evaluations: their history is the record of the edition.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from awards import services
from awards.enums import JURY_GROUP, Eligibility
from awards.forms import ApplicationAdminForm
from awards.models import (
    Answer,
    Application,
    Attachment,
    Category,
    Conflict,
    Criterion,
    Edition,
    Evaluation,
    JuryMember,
    Laureate,
    Question,
    Score,
)
from directory.versions import VersionedAdminMixin, VersionedInlineMixin
from ess_portal.admin_tabular import TabularInline


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False


class CategoryInline(VersionedInlineMixin, TabularInline):
    model = Category
    extra = 0
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "position"]


class CriterionInline(VersionedInlineMixin, TabularInline):
    model = Criterion
    extra = 0
    fields = ["name", "description", "weight", "max_score", "position"]


class QuestionInline(VersionedInlineMixin, TabularInline):
    model = Question
    extra = 0
    fields = ["label", "help_text", "required", "position"]


@admin.register(Edition)
class EditionAdmin(VersionedAdminMixin, NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["title", "year", "phase_label", "application_count", "is_public", "is_fictional"]
    list_filter = ["is_public", "is_fictional"]
    search_fields = ["title"]
    readonly_fields = ["deliberation_opened_at", "results_published_at", "jury_progress"]
    fields = [
        "year",
        "title",
        "introduction",
        "is_public",
        "opens_at",
        "deadline",
        "jury_date",
        "ceremony_date",
        "is_fictional",
        "deliberation_opened_at",
        "results_published_at",
        "jury_progress",
    ]
    inlines = [CategoryInline, CriterionInline, QuestionInline]
    actions = ["open_deliberation", "publish_results"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(application_total=Count("applications"))

    @admin.display(description=_("étape"))
    def phase_label(self, obj):
        return obj.get_phase_display()

    @admin.display(description=_("candidatures"), ordering="application_total")
    def application_count(self, obj):
        return obj.application_total

    @admin.display(description=_("avancement du jury"))
    def jury_progress(self, obj):
        """Counts only (evaluations and conflicts per application): score values stay confidential."""
        if obj is None or obj.pk is None:
            return "—"
        rows = services.progress(obj)
        if not rows:
            return gettext("Aucune candidature.")
        link = ""
        if obj.deliberation_opened_at:
            link = format_html(
                '<p><a href="{}">{}</a></p>',
                reverse("admin:awards_edition_ranking", args=[obj.pk]),
                gettext("Classement de la délibération"),
            )
        items = format_html_join(
            "",
            "<li>{} ({}) — {} : {}, {} : {}</li>",
            (
                (
                    row.structure_name,
                    row.get_eligibility_display(),
                    gettext("évaluations"),
                    row.evaluation_count,
                    gettext("conflits déclarés"),
                    row.conflict_count,
                )
                for row in rows
            ),
        )
        return format_html("{}<ul>{}</ul>", link, items)

    def has_deliberate_permission(self, request):
        return request.user.has_perm("awards.deliberate_edition")

    def has_publish_permission(self, request):
        return request.user.has_perm("awards.publish_edition")

    @admin.action(description=_("Ouvrir la délibération (clôt les notes)"), permissions=["deliberate"])
    def open_deliberation(self, request, queryset):
        self._each(request, queryset, services.open_deliberation, gettext("Délibération ouverte : %(title)s."))

    @admin.action(description=_("Publier le palmarès"), permissions=["publish"])
    def publish_results(self, request, queryset):
        self._each(request, queryset, services.publish_results, gettext("Palmarès publié : %(title)s."))

    def _each(self, request, queryset, step, done):
        for edition in queryset:
            try:
                step(edition=edition)
            except ValidationError as exc:
                self.message_user(request, f"{edition.title} : {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, done % {"title": edition.title}, messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "<int:pk>/classement/",
                self.admin_site.admin_view(self.ranking_view),
                name="awards_edition_ranking",
            ),
            *super().get_urls(),
        ]

    def ranking_view(self, request, pk):
        edition = Edition.objects.filter(pk=pk).first()
        if edition is None or not self.has_view_permission(request, edition):
            raise Http404
        try:
            rankings = services.ranking(edition, user=request.user)
        except PermissionDenied:
            raise Http404 from None
        return TemplateResponse(
            request,
            "admin/awards/ranking.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Classement — %(t)s") % {"t": edition.title},
                "edition": edition,
                "rankings": rankings,
                "opts": self.model._meta,
            },
        )


class AnswerInline(VersionedInlineMixin, TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "text"]
    can_delete = False


class AttachmentInline(VersionedInlineMixin, TabularInline):
    model = Attachment
    extra = 0
    fields = ["title", "file", "size"]
    readonly_fields = ["size"]
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(VersionedAdminMixin, NoDeleteMixin, SimpleHistoryAdmin):
    form = ApplicationAdminForm
    list_display = [
        "structure_name",
        "project_title",
        "edition",
        "category",
        "eligibility",
        "submitted_at",
        "evaluations",
    ]
    list_filter = ["edition", "eligibility", "category"]
    list_select_related = ["edition", "category"]
    search_fields = ["structure_name", "project_title", "contact_name"]
    readonly_fields = ["submitted_via", "submitted_at"]
    autocomplete_fields = ["actor"]
    inlines = [AnswerInline, AttachmentInline]
    actions = ["mark_eligible"]

    def get_queryset(self, request):
        # A progress count, never a score value.
        return super().get_queryset(request).annotate(evaluation_total=Count("evaluations"))

    @admin.display(description=_("évaluations"), ordering="evaluation_total")
    def evaluations(self, obj):
        return obj.evaluation_total

    def save_model(self, request, obj, form, change):
        if not change:
            obj.submitted_via = "admin"
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Déclarer recevables"), permissions=["change"])
    def mark_eligible(self, request, queryset):
        count = 0
        for application in queryset:
            try:
                services.decide_eligibility(application=application, eligibility=Eligibility.ELIGIBLE)
            except ValidationError as exc:
                self.message_user(request, f"{application} : {' '.join(exc.messages)}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(
                request,
                ngettext("%(n)d candidature déclarée recevable.", "%(n)d candidatures déclarées recevables.", count)
                % {"n": count},
            )


@admin.register(JuryMember)
class JuryMemberAdmin(VersionedAdminMixin, NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["display_name", "affiliation", "edition", "account_kind", "is_active", "evaluation_count"]
    list_filter = ["edition", "is_active"]
    list_select_related = ["edition", "user"]
    search_fields = ["display_name", "affiliation", "user__username"]
    autocomplete_fields = ["user"]
    fields = ["edition", "user", "display_name", "affiliation", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evaluation_total=Count("evaluations"))

    @admin.display(description=_("évaluations"), ordering="evaluation_total")
    def evaluation_count(self, obj):
        return obj.evaluation_total

    @admin.display(description=_("compte"))
    def account_kind(self, obj):
        return gettext("équipe ESS") if obj.user.is_staff else gettext("compte de juré")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class JuryMemberForm(form):
            def clean(self):
                cleaned = super().clean()
                user = cleaned.get("user")
                if user is not None and not user.is_staff and not user.groups.filter(name=JURY_GROUP).exists():
                    self.add_error(
                        "user",
                        gettext(
                            "Un juré extérieur a un compte du groupe « %(group)s » (sans accès à l'administration)."
                        )
                        % {"group": JURY_GROUP},
                    )
                return cleaned

        return JuryMemberForm


@admin.register(Conflict)
class ConflictAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Declared by jurors on their pages: read here, never changed (it would let a score through)."""

    list_display = ["member", "application", "declared_at"]
    list_filter = ["member__edition"]
    list_select_related = ["member", "application"]
    readonly_fields = ["member", "application", "reason", "declared_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScoreInline(admin.TabularInline):
    model = Score
    fields = ["criterion", "value"]
    readonly_fields = ["criterion", "value"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Read-only, and only for editions whose deliberation is open: before that, no value is shown."""

    list_display = ["application", "member", "updated_at"]
    list_filter = ["member__edition"]
    list_select_related = ["application", "member"]
    readonly_fields = ["member", "application", "comment", "updated_at"]
    inlines = [ScoreInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(application__edition__deliberation_opened_at__isnull=False)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def history_view(self, request, object_id, extra_context=None):
        # simple_history reads the records of any id: the confidentiality rule is checked first.
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Laureate)
class LaureateAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    list_display = ["application", "category", "edition", "distinction", "decided_at"]
    list_filter = ["application__edition"]
    list_select_related = ["application__edition", "application__category"]
    fields = ["application", "distinction", "jury_decision"]
    autocomplete_fields = ["application"]

    @admin.display(description=_("catégorie"))
    def category(self, obj):
        return obj.application.category

    @admin.display(description=_("édition"))
    def edition(self, obj):
        return obj.application.edition

    def _editable(self, request, obj):
        return request.user.has_perm("awards.deliberate_edition") and (
            obj is None or not obj.application.edition.results_published_at
        )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and request.user.has_perm("awards.deliberate_edition")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class LaureateForm(form):
            def clean(self):
                cleaned = super().clean()
                application = cleaned.get("application")
                if application is not None:
                    message = services.laureate_error(application, exclude=self.instance.pk)
                    if message:
                        self.add_error("application", message)
                return cleaned

        return LaureateForm
