"""SS-MIX2 standardized storage (SS-MIX2標準化ストレージ) ingestion.

* :func:`parse_message` (parser): message bytes -> typed segment records.
* :func:`map_message` (mapper): a parsed message -> a :class:`~kizuna.ingest.base.Unit`.
* :class:`Ssmix2Adapter` (adapter): a storage tree or file -> Units and Failures.
* :mod:`writer`: typed records -> ISO-2022-JP message bytes and storage file names.

See ``docs/ingest/ssmix2.md`` for what maps to what.
"""

from kizuna.ingest.ssmix2.adapter import Ssmix2Adapter, read_file
from kizuna.ingest.ssmix2.mapper import MapOptions, map_message
from kizuna.ingest.ssmix2.parser import Message, parse_message
from kizuna.ingest.ssmix2.storage import StorageName, parse_name, relative_path

__all__ = [
    "MapOptions",
    "Message",
    "Ssmix2Adapter",
    "StorageName",
    "map_message",
    "parse_message",
    "parse_name",
    "read_file",
    "relative_path",
]
