"""The demo data of an instance: one login per role, so every page can be tried at once.

Seeding is idempotent: running ``soai demo`` again adds what is missing and changes nothing
else. Later parts add their own demo data here (organisations, AI systems, cycles ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.assurance import demo as assurance_demo
from soai.identity import service as identity
from soai.identity.models import User
from soai.identity.policy import ASSIGNABLE_ROLES, Role
from soai.identity.schemas import UserCreate
from soai.pdca import demo as pdca_demo
from soai.profiles.schema import Profile
from soai.registry import demo as registry_demo
from soai.registry import service as registry

DEMO_DOMAIN = "demo.example.org"

DEMO_NAMES = {
    Role.ADMIN: "Sokha Chan (administrator)",
    Role.REGULATOR: "Dara Keo (MPTC regulator)",
    Role.ANALYST: "Sreymom Pich (certified analyst)",
    Role.PROVIDER: "Vuthy Sok (provider compliance officer)",
    Role.COUNCIL_MEMBER: "Bopha Lim (council member)",
    Role.CANDIDATE: "Rithy Heng (exam candidate)",
}


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    created: bool


def demo_password(role: Role) -> str:
    return f"soai-demo-{role.value.replace('_', '-')}"


def seed(session: Session) -> list[DemoLogin]:
    logins = []
    for role in ASSIGNABLE_ROLES:
        email = f"{role.value.replace('_', '.')}@{DEMO_DOMAIN}"
        exists = session.scalar(select(User.id).where(User.email == email)) is not None
        if not exists:
            identity.create_user(
                session,
                data=UserCreate(
                    email=email,
                    display_name=DEMO_NAMES[role],
                    password=demo_password(role),
                    roles=[role],
                ),
            )
        logins.append(DemoLogin(role.value, email, demo_password(role), not exists))
    return logins


def seed_register(session: Session, profile: Profile) -> int:
    """The demo organisations and AI systems of the profile's register (after the logins)."""
    return registry_demo.seed(
        session,
        profile_id=profile.id,
        rule_set=registry.ruleset(profile),
        country=profile.country.code,
    )


def seed_cycles(session: Session, home: Path) -> int:
    """Demo compliance cycles of the demo register (after it)."""
    return pdca_demo.seed(session, home=home)


def seed_tests(session: Session, home: Path, profile: Profile) -> int:
    """The demo fairness test run, attached to the demo credit-scoring cycle (after it)."""
    return assurance_demo.seed(session, home=home, domain=profile.issuer_domain)


def seed_council(session: Session, profile: Profile, passphrase: bytes) -> int:
    """The built-in council and a session on the demo credit-scoring cycle (after the tests)."""
    from soai.council import demo as council_demo

    email = f"{Role.COUNCIL_MEMBER.value.replace('_', '.')}@{DEMO_DOMAIN}"
    member = session.scalar(select(User).where(User.email == email))
    return council_demo.seed(
        session, profile_id=profile.id, country=profile.country.code, passphrase=passphrase,
        human=(member.id, member.display_name, demo_password(Role.COUNCIL_MEMBER))
        if member is not None else None,
    )  # fmt: skip
