from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Sign-in")

    def ready(self) -> None:
        """An identity provider half configured stops every process at start, saying
        what is missing, rather than at a presenter's first sign-in."""
        if not settings.VOTING_OIDC_ISSUER:
            return
        from accounts.institution import rule_check

        rule_check("VOTING_OIDC_PRESENTERS", settings.VOTING_OIDC_PRESENTERS)
        rule_check("VOTING_OIDC_PARTICIPANTS", settings.VOTING_OIDC_PARTICIPANTS)
        if not (settings.OIDC_RP_CLIENT_ID and settings.OIDC_RP_CLIENT_SECRET):
            raise ImproperlyConfigured(
                "VOTING_OIDC_ISSUER needs VOTING_OIDC_CLIENT_ID and VOTING_OIDC_CLIENT_SECRET"
            )
