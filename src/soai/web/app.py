"""The FastAPI app factory: the portal (HTML) and the JSON API under ``/api/v1``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from soai import logs
from soai.catalog import api as catalog_api
from soai.credentials import api as credentials_api
from soai.credentials import views as credentials_views
from soai.db import session_factory
from soai.identity import api as identity_api
from soai.identity import views as identity_views
from soai.incidents import api as incidents_api
from soai.instance import service as instance
from soai.instance import views as instance_views
from soai.jobs import api as jobs_api
from soai.jobs import views as jobs_views
from soai.jobs.runner import InProcessRunner
from soai.ledger import api as ledger_api
from soai.ledger import views as ledger_views
from soai.pdca import api as pdca_api
from soai.pdca import api_steps as pdca_api_steps
from soai.profiles import service as profiles
from soai.programme import api as programme_api
from soai.registry import api as registry_api
from soai.settings import Settings, get_settings
from soai.web import docs, errors, middleware
from soai.web import views as web_views
from soai.web.framework import PART_ROUTERS
from soai.web.state import AppState
from soai.web.templating import STATIC_DIR, build_environment

API_PREFIX = "/api/v1"

HTML_ROUTERS = [
    web_views.router,
    identity_views.router,
    instance_views.router,
    jobs_views.router,
    ledger_views.router,
    credentials_views.router,
    *PART_ROUTERS,
]
API_ROUTERS = [
    identity_api.router,
    jobs_api.router,
    ledger_api.router,
    credentials_api.router,
    catalog_api.router,
    registry_api.router,
    pdca_api.router,
    pdca_api_steps.router,
    programme_api.router,
    incidents_api.router,
    web_views.api_router,
]


def routers() -> list[tuple[str, APIRouter]]:
    """Every router of the app with its prefix (what the route-permission test walks)."""
    return [
        *(("", router) for router in HTML_ROUTERS),
        *((API_PREFIX, router) for router in API_ROUTERS),
        ("", docs.router),
    ]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for the instance in ``settings.home`` (initialised by ``soai init``)."""
    settings = settings or get_settings()
    logs.configure(settings)
    sessions = session_factory(instance.open_instance(settings))
    profile = profiles.instance_profile(settings.home.resolve())
    from soai.academy import programme as academy_programme

    academy_programme.use_profile(profile.academy.tiers)
    runner = InProcessRunner(
        sessions=sessions, home=settings.home, workers=settings.jobs_workers, settings=settings
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        runner.shutdown()

    app = FastAPI(
        title=profile.text(profile.brand.name, "en") + " API",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.soai = AppState(
        settings=settings,
        sessions=sessions,
        profile=profile,
        templates=build_environment(),
        jobs=runner,
    )
    errors.install(app)
    middleware.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for prefix, router in routers():
        app.include_router(router, prefix=prefix, include_in_schema=bool(prefix))
    return app
