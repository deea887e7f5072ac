"""What the running app holds: settings, database sessions, the profile, templates, jobs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from soai.jobs.runner import JobRunner
from soai.profiles.schema import Profile
from soai.settings import Settings


@dataclass
class AppState:
    settings: Settings
    sessions: sessionmaker[Session]
    profile: Profile
    templates: Environment
    jobs: JobRunner

    @property
    def home(self) -> Path:
        return self.settings.home


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.soai
    return state
