"""The portal's navigation: the eight parts of the framework and the administration pages."""

from __future__ import annotations

from dataclasses import dataclass

from soai.i18n.markers import N_
from soai.identity.policy import Permission
from soai.identity.schemas import Principal


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    permission: Permission
    group: str = "parts"


ITEMS: tuple[NavItem, ...] = (
    NavItem("/registry", N_("AI register"), Permission.PUBLIC_READ),
    NavItem("/catalog", N_("Requirements"), Permission.PUBLIC_READ),
    NavItem("/pdca", N_("Compliance cycles"), Permission.PUBLIC_READ),
    NavItem("/assurance", N_("Technical tests"), Permission.PUBLIC_READ),
    NavItem("/council", N_("Council"), Permission.PUBLIC_READ),
    NavItem("/academy", N_("Academy"), Permission.PUBLIC_READ),
    NavItem("/programme", N_("National programme"), Permission.PUBLIC_READ),
    NavItem("/incidents", N_("Report AI harm"), Permission.PUBLIC_READ),
    NavItem("/ledger", N_("Ledger"), Permission.PUBLIC_READ, "trust"),
    NavItem("/verify", N_("Verify"), Permission.PUBLIC_READ, "trust"),
    NavItem("/admin/users", N_("Users"), Permission.USERS_MANAGE, "admin"),
    NavItem("/admin/credentials", N_("Credentials"), Permission.CREDENTIALS_MANAGE, "admin"),
    NavItem("/instance/summary", N_("Instance report"), Permission.REPORTS_INSTANCE, "admin"),
)


def visible_items(principal: Principal) -> list[NavItem]:
    return [item for item in ITEMS if principal.can(item.permission)]
