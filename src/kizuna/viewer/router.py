"""One router for the viewer, the emergency view, the portal and their static assets.

Include it with ``app.include_router(kizuna.viewer.router.router)``.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from starlette.responses import Response

from kizuna.viewer.web import clinician, emergency, login, portal

STATIC = {"viewer.css": "text/css; charset=utf-8", "viewer.js": "text/javascript; charset=utf-8"}

router = APIRouter()
router.include_router(login.router)
router.include_router(clinician.router)
router.include_router(emergency.router)
router.include_router(portal.router)


@router.get("/viewer/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    if name not in STATIC:
        return Response(status_code=404)
    body = resources.files("kizuna.viewer").joinpath("static", name).read_bytes()
    return Response(
        body, media_type=STATIC[name], headers={"Cache-Control": "public, max-age=3600"}
    )
