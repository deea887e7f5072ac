"""The one policy table: which role holds which permission.

Every route of the portal and the API declares exactly one :class:`Permission` (see
``soai.identity.guard.require``). A test enumerates every route and checks each role against
this table, so a route cannot be added without deciding who may use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from soai.i18n.markers import N_


class Role(StrEnum):
    ADMIN = "admin"
    REGULATOR = "regulator"
    ANALYST = "analyst"
    PROVIDER = "provider"
    COUNCIL_MEMBER = "council_member"
    CANDIDATE = "candidate"
    PUBLIC = "public"


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: N_("Administrator"),
    Role.REGULATOR: N_("Regulator"),
    Role.ANALYST: N_("Certified analyst"),
    Role.PROVIDER: N_("Provider"),
    Role.COUNCIL_MEMBER: N_("Council member"),
    Role.CANDIDATE: N_("Candidate"),
    Role.PUBLIC: N_("Public"),
}

ASSIGNABLE_ROLES = tuple(role for role in Role if role is not Role.PUBLIC)


class Permission(StrEnum):
    PUBLIC_READ = "public.read"
    ACCOUNT_SELF = "account.self"
    USERS_MANAGE = "users.manage"
    JOBS_READ = "jobs.read"
    REPORTS_INSTANCE = "reports.instance"
    CREDENTIALS_MANAGE = "credentials.manage"
    REGISTRY_VIEW = "registry.view"  # see registered systems: one's own organisation's ...
    REGISTRY_ALL = "registry.all"  # ... or, with this, every organisation's
    REGISTRY_EDIT = "registry.edit"  # register and describe systems (within what one sees)
    REGISTRY_MANAGE = "registry.manage"  # organisations, members, bulk import, reclassification
    PDCA_VIEW = "pdca.view"  # compliance cycles: one's organisations' or assigned ones ...
    PDCA_ALL = "pdca.all"  # ... or, with this, every cycle
    PDCA_EDIT = "pdca.edit"  # plan, implement, evidence, findings, gate sign-offs
    PDCA_ASSESS = "pdca.assess"  # assess controls and sign the Check gate (certified analysts)
    PDCA_MANAGE = "pdca.manage"  # start cycles for any system, assign analysts, reopen gates
    ASSURANCE_RUN = "assurance.run"  # run technical tests, see one's own runs ...
    ASSURANCE_ALL = "assurance.all"  # ... or, with this, every run
    ACADEMY_LEARN = "academy.learn"  # lessons, exams and one's own results (candidates)
    ACADEMY_MANAGE = "academy.manage"  # exam windows, item analysis (certification body)
    COUNCIL_VIEW = "council.view"  # council sessions, votes and evidence bundles
    COUNCIL_VOTE = "council.vote"  # vote from one's own seat, declare conflicts
    COUNCIL_PANEL = "council.panel"  # decide escalated sessions (certified analysts)
    COUNCIL_MANAGE = "council.manage"  # seat members, open sessions, run the built-in agents
    INCIDENTS_TRIAGE = "incidents.triage"  # the triage queue, cases, outcomes (certified analysts)
    INCIDENTS_PROVIDE = "incidents.provide"  # reports about one's organisations' systems, answers
    PROGRAMME_MANAGE = (
        "programme.manage"  # giveaway rounds, milestones, readiness, press kit, enquiries
    )


_SIGNED_IN = frozenset({Permission.PUBLIC_READ, Permission.ACCOUNT_SELF, Permission.ACADEMY_LEARN})

_SEES_REGISTER = frozenset({Permission.REGISTRY_VIEW, Permission.REGISTRY_ALL})

POLICY: dict[Role, frozenset[Permission]] = {
    Role.PUBLIC: frozenset({Permission.PUBLIC_READ}),
    Role.CANDIDATE: _SIGNED_IN,
    Role.PROVIDER: _SIGNED_IN
    | {
        Permission.REGISTRY_VIEW,
        Permission.REGISTRY_EDIT,
        Permission.PDCA_VIEW,
        Permission.PDCA_EDIT,
        Permission.ASSURANCE_RUN,
        Permission.INCIDENTS_PROVIDE,
    },
    Role.COUNCIL_MEMBER: _SIGNED_IN
    | _SEES_REGISTER
    | {Permission.PDCA_VIEW, Permission.PDCA_ALL, Permission.COUNCIL_VIEW, Permission.COUNCIL_VOTE},
    Role.ANALYST: _SIGNED_IN
    | _SEES_REGISTER
    | {
        Permission.JOBS_READ,
        Permission.PDCA_VIEW,
        Permission.PDCA_EDIT,
        Permission.PDCA_ASSESS,
        Permission.ASSURANCE_RUN,
        Permission.ASSURANCE_ALL,
        Permission.COUNCIL_VIEW,
        Permission.COUNCIL_PANEL,
        Permission.INCIDENTS_TRIAGE,
    },
    Role.REGULATOR: _SIGNED_IN
    | _SEES_REGISTER
    | {
        Permission.JOBS_READ,
        Permission.REPORTS_INSTANCE,
        Permission.CREDENTIALS_MANAGE,
        Permission.REGISTRY_EDIT,
        Permission.REGISTRY_MANAGE,
        Permission.PDCA_VIEW,
        Permission.PDCA_ALL,
        Permission.PDCA_EDIT,
        Permission.PDCA_MANAGE,
        Permission.ASSURANCE_RUN,
        Permission.ASSURANCE_ALL,
        Permission.COUNCIL_VIEW,
        Permission.COUNCIL_MANAGE,
        Permission.ACADEMY_MANAGE,
        Permission.PROGRAMME_MANAGE,
        Permission.INCIDENTS_TRIAGE,
    },
    Role.ADMIN: frozenset(Permission),
}


def permissions_of(roles: Iterable[str]) -> frozenset[Permission]:
    """Everything the holder of ``roles`` may do (everyone holds ``public``)."""
    granted: set[Permission] = set(POLICY[Role.PUBLIC])
    known = {role.value for role in Role}
    for role in roles:
        if role in known:
            granted |= POLICY[Role(role)]
    return frozenset(granted)


def is_allowed(roles: Iterable[str], permission: Permission) -> bool:
    return permission in permissions_of(roles)


def needs_sign_in(permission: Permission) -> bool:
    return permission not in POLICY[Role.PUBLIC]
