from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from perf.health import healthz, ping

# The admin's "View site" link leads to the admin home, which links back here for raw edits.
admin.site.site_url = reverse_lazy("dashboards:admin_home")

urlpatterns = [
    path("", include("org.urls")),
    path("", include("dashboards.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_changed.html"
        ),
        name="password_change_done",
    ),
    # The one-time link the people import gives a new account (Django's password-reset tokens:
    # valid until used or PASSWORD_RESET_TIMEOUT, three days by default).
    path(
        "password/set/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_set.html",
            success_url=reverse_lazy("password_set_done"),
        ),
        name="password_set",
    ),
    path(
        "password/set/done/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_set_done.html"
        ),
        name="password_set_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/ping/", ping, name="ping"),
    path("api/v1/", include("org.api_urls")),
    path("api/v1/", include("indicators.api_urls")),
    path("api/v1/", include("scoring.api_urls")),
    path("api/v1/", include("ingest.api_urls")),
    path("api/v1/", include("appeals.api_urls")),
    path("api/v1/", include("reviews.api_urls")),
    path("api/v1/", include("bonus.api_urls")),
    path("api/v1/", include("weightlab.api_urls")),
    path("api/v1/", include("plans.api_urls")),
    path("api/v1/", include("notices.api_urls")),
    path("indicators/", include("indicators.urls")),
    path("sources/", include("ingest.urls")),
    path("appeals/", include("appeals.urls")),
    path("reviews/", include("reviews.urls")),
    path("bonus/", include("bonus.urls")),
    path("weight-lab/", include("weightlab.urls")),
    path("plans/", include("plans.urls")),
    path("today/", include("notices.urls")),
    path("scoring/", include("scoring.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up code as a script file, and our template its
    # style as a file: the CSP allows neither inline.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
]

# Under /api/, errors that no view answers still come as JSON (perf.errors).
handler400 = "perf.errors.bad_request"
handler404 = "perf.errors.not_found"
handler500 = "perf.errors.server_error"
