"""The person being written: their history, guardian, and registrations at each facility."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kizuna.synth.clinical import History
from kizuna.synth.config import NoiseConfig, SynthConfig
from kizuna.synth.facilities import Facility
from kizuna.synth.model import Person
from kizuna.synth.registration import WITH_INSURANCE, Registration, register
from kizuna.synth.writers.files import Output, TruthRow


@dataclass(slots=True)
class Subject:
    person: Person
    history: History
    guardian: Person | None
    config: SynthConfig
    out: Output
    _registrations: dict[tuple[str, str], Registration] = field(default_factory=dict)

    def registration(self, facility: Facility, fmt: str, since: date) -> Registration:
        """The person's registration at ``facility`` in format ``fmt`` (first contact
        ``since``); the same object every time it is asked for."""
        key = (facility.code, fmt)
        found = self._registrations.get(key)
        if found is None:
            noise = NoiseConfig.none() if self.person.showcase else self.config.noise
            found = register(
                self.person, facility.code, facility.kind, fmt, since, noise, self.config.seed
            )
            self._registrations[key] = found
        return found

    def truth(
        self, reg: Registration, file: str, record: str = "", day: date | None = None
    ) -> None:
        identity = reg.identity(day or reg.registered)
        cov = identity.coverage
        key = ""
        if cov is not None and reg.format in WITH_INSURANCE:
            key = f"{cov.insurer}:{cov.symbol}:{cov.number}:{identity.branch}"
        self.out.truth(
            TruthRow(
                self.person.id,
                reg.format,
                reg.facility,
                reg.local_id,
                key,
                file,
                record,
                ";".join(reg.noise),
            )
        )
