"""Settings, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Secrets come from the environment, never from the repo."""

    database_url: str = field(
        default_factory=lambda: _env("KIZUNA_DATABASE_URL", "sqlite:///kizuna.sqlite3")
    )
    data_dir: Path = field(default_factory=lambda: Path(_env("KIZUNA_DATA_DIR", "var")))
    base_url: str | None = field(default_factory=lambda: os.environ.get("KIZUNA_BASE_URL"))
    max_body_bytes: int = field(
        default_factory=lambda: int(_env("KIZUNA_MAX_BODY_BYTES", str(64 * 1024 * 1024)))
    )
    pool_size: int = field(default_factory=lambda: int(_env("KIZUNA_POOL_SIZE", "8")))
    #: "on" (the default) requires a login or an access token for everything but /metadata;
    #: "off" serves the FHIR API without authentication or access control, for conformance
    #: testing on a closed machine only (a warning is logged at start).
    auth: str = field(default_factory=lambda: _env("KIZUNA_AUTH", "on"))

    @property
    def export_dir(self) -> Path:
        return self.data_dir / "export"


def load() -> Settings:
    return Settings()
