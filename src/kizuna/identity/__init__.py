"""The patient index (MPI): which Patients are the same person.

Ingestion calls :func:`kizuna.identity.resolve.resolve_patient`; the access layer and the
viewer call :func:`person_of` and :func:`patients_of`. See ``docs/identity.md``.
"""

from kizuna.identity.persons import patients_of, person_of

__all__ = ["patients_of", "person_of"]
