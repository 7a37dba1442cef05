from django.urls import path

from accounts import institution, views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.SignIn.as_view(), name="login"),
    path("accounts/logout/", views.sign_out, name="logout"),
    path("accounts/failed/", views.sign_in_failed, name="failed"),
    path("accounts/oidc/start/", institution.SignInStart.as_view(), name="oidc-start"),
    path("accounts/oidc/callback/", institution.SignInCallback.as_view(), name="oidc-callback"),
]
