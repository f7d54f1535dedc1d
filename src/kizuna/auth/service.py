"""The authentication service: two-step user login, sessions, bearer tokens, and the
SMART Backend Services token endpoint. HTTP-free; ``kizuna.api.auth`` wraps it.

Every login, failed login, logout and token issue is written to the audit chain in the
same transaction as its effect.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kizuna.audit.event import Action, AuditEvent, Outcome, actor_fields
from kizuna.audit.store import append
from kizuna.auth import access_tokens, passwords, throttle, totp
from kizuna.auth.assertion import ASSERTION_TYPE, OAuthError, authenticate_client
from kizuna.auth.clock import Clock, SystemClock, now_ms
from kizuna.auth.keys import ServerKeys, server_keys
from kizuna.auth.policy import AuthPolicy
from kizuna.auth.principal import Principal, user_principal
from kizuna.auth.scopes import narrow, scope_list
from kizuna.auth.sessions import ActiveSession, NewSession, Sessions
from kizuna.auth.throttle import Attempt, Locked, Throttle
from kizuna.auth.tokens import CLIENT_BEARER, USER_BEARER
from kizuna.auth.users import (
    StoredUser,
    accept_totp_step,
    find_by_id,
    find_by_username,
    normalise_username,
    update_password_hash,
)
from kizuna.store.db import Database, Tx

PURGE_EVERY = 600.0  # seconds between sweeps of expired sessions, tokens and counters


@dataclass(frozen=True)
class RequestInfo:
    """Where a request came from (for throttling and the audit record)."""

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


class LoginFailure(Exception):
    def __init__(self, status: int, error: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.retry_after = retry_after

    def body(self) -> dict[str, object]:
        out: dict[str, object] = {"error": self.error, "message": self.message}
        if self.retry_after is not None:
            out["retry_after"] = self.retry_after
        return out


BAD_CREDENTIALS = (401, "invalid_credentials", "the username or password is not right")
BAD_CODE = (401, "invalid_code", "the one-time code is not right")
EXPIRED = (401, "login_expired", "the login has expired; start again with your password")


def _locked(result: Locked) -> LoginFailure:
    return LoginFailure(
        429, "locked", "too many failed attempts; try again later", result.retry_after
    )


class AuthService:
    def __init__(
        self,
        db: Database,
        data_dir: Path | str,
        policy: AuthPolicy | None = None,
        clock: Clock | None = None,
        keys: ServerKeys | None = None,
    ) -> None:
        self.db = db
        self.data_dir = Path(data_dir)
        self.policy = policy or AuthPolicy.from_env()
        self.clock = clock or SystemClock()
        self.throttle = Throttle(self.policy, self.clock)
        self.sessions = Sessions(self.policy, self.clock)
        self._keys = keys
        self._last_purge = 0.0
        self._purge_lock = threading.Lock()

    @property
    def keys(self) -> ServerKeys:
        if self._keys is None:
            self._keys = server_keys(self.data_dir)
        return self._keys

    # -- audit ---------------------------------------------------------------------------
    def _audit(
        self,
        tx: Tx,
        info: RequestInfo,
        action: str,
        outcome: str = Outcome.ALLOWED,
        reason: str | None = None,
        actor: dict[str, Any] | None = None,
    ) -> None:
        at = now_ms(self.clock)
        event = AuditEvent(
            action=action,
            outcome=outcome,
            reason=reason,
            client_ip=info.ip,
            user_agent=info.user_agent,
            request_id=info.request_id,
            at_ms=at,
            **(actor or {"actor_kind": "anonymous"}),
        )
        append(tx, [event], at)

    # -- housekeeping --------------------------------------------------------------------
    def _maybe_purge(self) -> None:
        now = time.monotonic()
        with self._purge_lock:
            if now - self._last_purge < PURGE_EVERY:
                return
            self._last_purge = now
        with self.db.transaction() as tx:
            at = now_ms(self.clock)
            throttle.purge(tx, self.policy, at)
            self.sessions.purge(tx)
            access_tokens.purge(tx, at)

    def _begin(self, username: str, info: RequestInfo) -> Attempt:
        limits = self.throttle.limits(username, info.ip)
        with self.db.transaction() as tx:
            result = self.throttle.begin(tx, limits)
            if isinstance(result, Locked):
                self._audit(tx, info, Action.LOGIN_FAILED, Outcome.DENIED, "locked")
        if isinstance(result, Locked):
            raise _locked(result)
        return result

    # -- step 1: password ----------------------------------------------------------------
    def start_login(self, username: str, password: str, info: RequestInfo) -> NewSession:
        """Check the password; on success a short-lived pending login awaits the TOTP code."""
        self._maybe_purge()
        name = normalise_username(username)[:64]
        attempt = self._begin(name, info)
        with self.db.read() as tx:
            stored = find_by_username(tx, name)
        if stored is None:
            passwords.burn_time(password)
            ok, reason = False, "unknown-user"
        elif stored.user.disabled:
            passwords.burn_time(password)
            ok, reason = False, "disabled"
        else:
            ok = passwords.verify_password(stored.password_hash, password)
            reason = "bad-password"
        with self.db.transaction() as tx:
            if not ok:
                self.throttle.failed(tx, attempt)
                self._audit(
                    tx, info, Action.LOGIN_FAILED, Outcome.DENIED, reason, actor=_user_actor(stored)
                )
            else:
                assert stored is not None
                self.throttle.succeeded(tx, attempt, reset_account=False)
                if passwords.needs_rehash(stored.password_hash):
                    update_password_hash(
                        tx,
                        stored.user.user_id,
                        passwords.hash_password(password),
                        now_ms(self.clock),
                    )
                pending = self.sessions.create(
                    tx, stored.user.user_id, "pending", info.ip, info.user_agent
                )
        if not ok:
            raise LoginFailure(*BAD_CREDENTIALS)
        return pending

    # -- step 2: TOTP --------------------------------------------------------------------
    def finish_login(
        self, pending_token: str, code: str, info: RequestInfo, issue: str = "cookie"
    ) -> tuple[NewSession, Principal]:
        """Check the TOTP code of a pending login; on success a session of kind ``issue``."""
        if issue not in ("cookie", "bearer"):
            raise ValueError("issue must be 'cookie' or 'bearer'")
        with self.db.read() as tx:
            pending = self.sessions.pending(tx, pending_token)
            stored = find_by_id(tx, pending.user_id) if pending else None
        if pending is None or stored is None or stored.user.disabled:
            raise LoginFailure(*EXPIRED)
        attempt = self._begin(stored.user.username, info)
        secret = self.keys.unseal(stored.totp_secret_sealed, stored.user.user_id)
        step = totp.matching_step(secret, code, self.clock.now())
        with self.db.transaction() as tx:
            accepted = step is not None and accept_totp_step(tx, stored.user.user_id, step)
            if not accepted:
                self.throttle.failed(tx, attempt)
                self.sessions.count_pending_attempt(tx, pending)
                reason = "bad-totp" if step is None else "totp-replay"
                self._audit(
                    tx, info, Action.LOGIN_FAILED, Outcome.DENIED, reason, actor=_user_actor(stored)
                )
            else:
                self.throttle.succeeded(tx, attempt, reset_account=True)
                self.sessions.delete(tx, pending.token_hash)
                session = self.sessions.create(
                    tx, stored.user.user_id, issue, info.ip, info.user_agent
                )
                principal = self._principal(stored, session.session_id)
                self._audit(tx, info, Action.LOGIN, actor=actor_fields(principal))
        if not accepted:
            raise LoginFailure(*BAD_CODE)
        return session, principal

    @staticmethod
    def _principal(stored: StoredUser, session_id: str) -> Principal:
        u = stored.user
        return user_principal(
            user_id=u.user_id,
            name=u.display_name,
            role=u.role,
            facility_code=u.facility_code,
            facility_name=u.facility_name,
            prefecture=u.prefecture,
            patient_ids=u.patient_ids,
            session_id=session_id,
        )

    # -- every request -------------------------------------------------------------------
    def session_principal(self, token: str, kind: str) -> Principal | None:
        """The user behind a live cookie session or user bearer token."""
        with self.db.read() as tx:
            session = self.sessions.active(tx, token, kind)
        if session is None:
            return None
        if self.sessions.needs_touch(session):
            with self.db.transaction() as tx:
                self.sessions.touch(tx, session)
        return _session_principal(session)

    def bearer_principal(self, token: str) -> Principal | None:
        if token.startswith(USER_BEARER):
            return self.session_principal(token, "bearer")
        if not token.startswith(CLIENT_BEARER):
            return None
        with self.db.read() as tx:
            holder = access_tokens.holder(tx, token, self.clock)
        if holder is None:
            return None
        return Principal(
            kind="client",
            subject=holder.client_id,
            name=holder.name,
            role="system",
            facility_code=holder.facility_code,
            facility_name=holder.facility_name,
            prefecture=holder.prefecture,
            scopes=holder.scopes,
            token_id=holder.token_id,
        )

    def logout(self, token: str, kind: str, info: RequestInfo) -> bool:
        with self.db.transaction() as tx:
            session = self.sessions.active(tx, token, kind)
            if session is None:
                return False
            self.sessions.delete(tx, session.token_hash)
            self._audit(tx, info, Action.LOGOUT, actor=actor_fields(_session_principal(session)))
        return True

    # -- SMART Backend Services ----------------------------------------------------------
    def client_token(
        self, form: Mapping[str, str], token_urls: tuple[str, ...], info: RequestInfo
    ) -> access_tokens.IssuedToken:
        """Exchange a signed client assertion for an access token (or raise OAuthError)."""
        self._maybe_purge()
        try:
            return self._client_token(form, token_urls, info)
        except OAuthError as exc:
            with self.db.transaction() as tx:
                self._audit(
                    tx,
                    info,
                    Action.LOGIN_FAILED,
                    Outcome.DENIED,
                    exc.reason,
                    actor=_client_actor(exc.client_id),
                )
            raise

    def _client_token(
        self, form: Mapping[str, str], token_urls: tuple[str, ...], info: RequestInfo
    ) -> access_tokens.IssuedToken:
        if form.get("grant_type") != "client_credentials":
            raise OAuthError("unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise OAuthError(
                "invalid_client",
                f"client_assertion_type must be {ASSERTION_TYPE}",
                401,
                "assertion-type",
            )
        assertion, requested = form.get("client_assertion"), scope_list(form.get("scope", ""))
        if not assertion:
            raise OAuthError("invalid_request", "client_assertion is required")
        if not requested:
            raise OAuthError("invalid_request", "scope is required")
        with self.db.transaction() as tx:  # commits the jti even if the scope is refused
            client = authenticate_client(tx, assertion, token_urls, self.policy, self.clock)
        granted, refused = narrow(requested, client.scopes)
        if refused:
            exc = OAuthError("invalid_scope", "not registered for: " + " ".join(refused))
            exc.client_id = client.client_id
            raise exc
        with self.db.transaction() as tx:
            issued = access_tokens.issue(
                tx, client, granted, self.policy.access_token_lifetime, self.clock
            )
            principal = Principal(
                kind="client",
                subject=client.client_id,
                name=client.name,
                role="system",
                facility_code=client.facility_code,
                facility_name=client.facility_name,
                scopes=issued.scopes,
                token_id=issued.token_id,
            )
            self._audit(tx, info, Action.LOGIN, actor=actor_fields(principal))
        return issued

    def unlock(self, username: str) -> None:
        with self.db.transaction() as tx:
            self.throttle.unlock(tx, normalise_username(username))


def _user_actor(stored: StoredUser | None) -> dict[str, Any] | None:
    """The account an attempt was for (None when the username is unknown)."""
    if stored is None:
        return None
    u = stored.user
    return {
        "actor_kind": "user",
        "actor_subject": u.user_id,
        "actor_name": u.display_name,
        "actor_role": u.role,
        "facility_code": u.facility_code,
        "facility_name": u.facility_name,
    }


def _client_actor(client_id: str | None) -> dict[str, Any] | None:
    if client_id is None:
        return None
    return {"actor_kind": "client", "actor_subject": client_id, "client_id": client_id}


def _session_principal(s: ActiveSession) -> Principal:
    return user_principal(
        user_id=s.user_id,
        name=s.display_name,
        role=s.role,
        facility_code=s.facility_code,
        facility_name=s.facility_name,
        prefecture=s.prefecture,
        patient_ids=s.patient_ids,
        session_id=s.session_id,
    )
