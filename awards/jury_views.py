"""The jury's pages (`/trophees/jury/…`): sign in, the applications to score, conflicts, the deliberation.

Policy: signed-in active jurors only (`jury_required`); a juror reads the eligible applications of
the editions they sit on, scores those they have no conflict on, and reads their own scores only
until the deliberation opens (`services.may_read_scores`). Anything else is a 404 (another edition,
an ineligible application) or a 403 page (a signed-in account that is not a juror).
Jury-only accounts sign in here (lockout and second factor as at the admin's login); staff jurors
use their admin session.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from awards import services
from awards.enums import Eligibility
from awards.forms import ConflictForm, EvaluationForm, JuryAuthenticationForm, criterion_field
from awards.models import Application, Conflict, Evaluation, JuryMember, Score

MAX_NEXT_LENGTH = 2000


class JuryLoginView(auth_views.LoginView):
    form_class = JuryAuthenticationForm
    template_name = "awards/jury/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("awards:jury_home")


class JuryLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("awards:jury_login")


def jury_required(view):
    """Active jurors only: anonymous visitors sign in first; other accounts get a 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            back = request.get_full_path()
            if len(back) > MAX_NEXT_LENGTH:
                back = reverse("awards:jury_home")
            return redirect_to_login(back, reverse("awards:jury_login"))
        if not services.is_juror(user):
            return render(request, "awards/jury/forbidden.html", {"crumbs": _crumbs()}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _crumbs(*items):
    return [(_("Trophées de l'ESS"), reverse("awards:edition_list")), (_("Jury"), reverse("awards:jury_home")), *items]


def _membership(request, year) -> JuryMember:
    return get_object_or_404(services.memberships(request.user).select_related("edition"), edition__year=year)


@require_GET
@jury_required
def jury_home(request):
    """Each edition the juror sits on, with its eligible applications and the juror's own progress."""
    members = list(
        services.memberships(request.user)
        .select_related("edition")
        .order_by("-edition__year")
        .prefetch_related(
            Prefetch(
                "edition__applications",
                queryset=Application.objects.filter(eligibility=Eligibility.ELIGIBLE)
                .select_related("category")
                .order_by("category__position", "category_id", "structure_name", "pk"),
                to_attr="eligible_applications",
            )
        )
    )
    evaluated = set(Evaluation.objects.filter(member__in=members).values_list("member_id", "application_id"))
    conflicted = set(Conflict.objects.filter(member__in=members).values_list("member_id", "application_id"))
    for member in members:
        for application in member.edition.eligible_applications:
            application.evaluated = (member.pk, application.pk) in evaluated
            application.conflicted = (member.pk, application.pk) in conflicted
    return render(request, "awards/jury/home.html", {"members": members, "crumbs": _crumbs()[:-1] + [(_("Jury"), "")]})


@require_http_methods(["GET", "POST"])
@jury_required
def jury_application(request, year, pk):
    member = _membership(request, year)
    edition = member.edition
    application = get_object_or_404(
        Application.objects.filter(edition=edition, eligibility=Eligibility.ELIGIBLE)
        .select_related("category")
        .prefetch_related("answers__question", "attachments"),
        pk=pk,
    )
    conflict = Conflict.objects.filter(member=member, application=application).first()
    own = (
        Evaluation.objects.filter(member=member, application=application)
        .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))
        .first()
    )
    criteria = list(edition.criteria.all())
    initial = {}
    if own is not None:
        initial = {criterion_field(score.criterion_id): score.value for score in own.scores.all()}
        initial["comment"] = own.comment
    closed = bool(edition.deliberation_opened_at)
    conflict_form = ConflictForm()
    form = EvaluationForm(initial=initial, criteria=criteria)
    url = reverse("awards:jury_application", args=[edition.year, application.pk])
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "conflict":
                conflict_form = ConflictForm(request.POST)
                if conflict_form.is_valid():
                    services.declare_conflict(
                        member=member, application=application, reason=conflict_form.cleaned_data["reason"]
                    )
                    messages.success(
                        request, _("Conflit d'intérêts enregistré : vous ne noterez pas cette candidature.")
                    )
                    return redirect(url)
            elif action == "score":
                form = EvaluationForm(request.POST, criteria=criteria)
                if form.is_valid():
                    services.record_evaluation(
                        member=member,
                        application=application,
                        scores=form.scores(),
                        comment=form.cleaned_data["comment"],
                    )
                    messages.success(request, _("Vos notes sont enregistrées."))
                    return redirect(url)
            else:
                form.add_error(None, _("Action inconnue."))
        except PermissionDenied as exc:
            form = EvaluationForm(request.POST, criteria=criteria)
            form.is_valid()
            form.add_error(None, str(exc))
        except ValidationError as exc:
            target = conflict_form if action == "conflict" else form
            for name, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
                for error in errors:
                    target.add_error(name if name in target.fields else None, error)
    return render(
        request,
        "awards/jury/application.html",
        {
            "member": member,
            "edition": edition,
            "application": application,
            "conflict": conflict,
            "own": own,
            "closed": closed,
            "form": form,
            "conflict_form": conflict_form,
            "crumbs": _crumbs((application.structure_name, "")),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@jury_required
def jury_deliberation(request, year):
    """The ranking per category: readable once the deliberation is open, never before."""
    member = _membership(request, year)
    edition = member.edition
    if not services.may_read_scores(request.user, edition):
        return render(
            request,
            "awards/jury/deliberation_closed.html",
            {"edition": edition, "crumbs": _crumbs((_("Délibération"), ""))},
            status=403,
        )
    return render(
        request,
        "awards/jury/deliberation.html",
        {
            "edition": edition,
            "rankings": services.ranking(edition, user=request.user),
            "crumbs": _crumbs((_("Délibération"), "")),
        },
    )
