"""``kizuna serve``: the API and viewer over HTTP (127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind; 127.0.0.1 keeps it local."),
    port: int = typer.Option(8080, help="TCP port."),
    workers: int = typer.Option(1, help="Worker processes (use more with PostgreSQL)."),
) -> None:
    """Serve the FHIR API and the viewer."""
    import uvicorn

    from kizuna.config import load
    from kizuna.store.migrate import upgrade

    upgrade(load().database_url)
    uvicorn.run(
        "kizuna.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,  # request lines carry patient ids in URLs
        loop="uvloop",
        http="httptools",
    )
