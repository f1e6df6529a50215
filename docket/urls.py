from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from docket import views
from docket.accounts import views as account_views
from docket.audit import views as audit_views
from docket.interchange import views as interchange_views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("people/", include("docket.people.urls")),
    path("duplicates/", include("docket.linkage.urls")),
    path("", include("docket.cases.urls")),
    path("", include("docket.search.urls")),
    path("letters/", include("docket.letters.urls")),
    path("tracing/", include("docket.tracing.urls")),
    path("drafts/", include("docket.drafts.urls")),
    path("reports/", include("docket.reports.urls")),
    path("estimates/", include("docket.estimates.urls")),
    path("", include("docket.dossiers.urls")),
    path("privacy/", include("docket.privacy.urls")),
    path("public/", include("docket.letters.public_urls")),
    path("api/v1/", include("docket.api.urls")),
    path("account/two-factor/", account_views.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("export/", interchange_views.export_page, name="export"),
    path("export/download/", interchange_views.export_download, name="export_download"),
    path("account/settings/", account_views.settings_page, name="account_settings"),
    path("account/confirm/", account_views.confirm_identity, name="confirm_identity"),
    path("accounts/", include("docket.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
