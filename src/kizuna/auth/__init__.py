"""Authentication and roles: who is calling, and what their role and scopes reach.

``Principal`` is the identity every other module consumes; ``authenticate`` and
``require_principal`` (FastAPI dependencies) resolve it from a request; ``allows`` checks
SMART scopes; ``permits`` checks role permissions.
"""

from __future__ import annotations

from typing import Any

from kizuna.auth.principal import Principal
from kizuna.auth.roles import ROLES, Permission, permissions_of, permits, role_spec
from kizuna.auth.scopes import allows, parse_scope, parse_scopes

__all__ = [
    "ROLES",
    "Permission",
    "Principal",
    "allows",
    "authenticate",
    "parse_scope",
    "parse_scopes",
    "permissions_of",
    "permits",
    "require_principal",
    "role_spec",
]


def __getattr__(name: str) -> Any:
    # the FastAPI dependencies import the web layer; load them only when asked for
    if name in ("authenticate", "require_principal"):
        from kizuna.auth import dependencies

        return getattr(dependencies, name)
    raise AttributeError(name)
