"""The ASGI application object for uvicorn (configured from the environment)."""

from __future__ import annotations

from kizuna.api.app import create_app

app = create_app(migrate=False)
