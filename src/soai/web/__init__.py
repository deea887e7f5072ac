"""The web layer: FastAPI app factory, middleware, templates, static files and error pages."""
