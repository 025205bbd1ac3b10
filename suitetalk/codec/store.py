"""Where schema maps come from: the WSDL cache (stored beside the bundle, covered by its manifest), this
process's memory, or a compilation from zeep's parsed WSDL (then stored for the next time)."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..namespaces import wsdl_tns
from ..wsdl import BundleError, BundleNotFoundError, WsdlCache
from .reader import paused_gc
from .schema_map import FORMAT, SchemaMap, SchemaMapError, compile_schema_map

__all__ = ["MAP_NAME", "bundle_digest", "load_schema_map"]

_LOG = logging.getLogger("suitetalk.codec")
#: The map's file name beside a cached bundle (the format is part of it: a new format is a new file).
MAP_NAME = f"codec-schema-map.v{FORMAT}.json"

_memo: dict[str, SchemaMap] = {}
_memo_lock = threading.Lock()


def bundle_digest(wsdl_path: Path) -> str:
    """A digest of a bundle's WSDL and schema files (the key of schema maps kept in memory)."""
    folder = wsdl_path.parent
    digest = hashlib.sha256()
    for path in sorted([wsdl_path, *folder.rglob("*.xsd")]):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_schema_map(
    wsdl_path: Path,
    version: str,
    zeep_client: Callable[[], Any],
    *,
    cache: WsdlCache | None = None,
) -> SchemaMap:
    """The schema map of the bundle at ``wsdl_path``.

    Taken from ``cache`` (where the bundle is stored as ``version``) when a map is stored there, else from
    this process's memory, else compiled from ``zeep_client()`` (which loads zeep's model of the WSDL) and
    stored in ``cache`` for the next process.
    """
    if cache is not None:
        try:
            stored = cache.read_derived(version, MAP_NAME)
        except BundleError as exc:
            _LOG.warning("cannot read the stored schema map: %s", exc)
            stored = None
        if stored is not None:
            try:
                # The map is some 100,000 containers and none is in a cycle: collections triggered while they
                # are made would scan the whole process for nothing (about half of the load's time, measured).
                with paused_gc():
                    return SchemaMap(json.loads(stored))
            except (ValueError, KeyError, TypeError, SchemaMapError) as exc:
                _LOG.warning("the stored schema map of %s is unusable (%s): compiling it again", version, exc)
    if not wsdl_path.is_file():
        raise BundleNotFoundError(f"no WSDL at {wsdl_path}")
    try:
        key = bundle_digest(wsdl_path)
    except OSError as exc:
        raise BundleError(f"cannot read the WSDL bundle at {wsdl_path.parent}: {exc}") from exc
    with _memo_lock:
        found = _memo.get(key)
        if found is None:
            data = compile_schema_map(zeep_client(), f"{{{wsdl_tns(version)}}}NetSuiteBinding", version)
            found = _memo[key] = SchemaMap(data)
    if cache is not None:
        try:
            cache.store_derived(version, MAP_NAME, json.dumps(found.data, separators=(",", ":")).encode())
        except (OSError, BundleError, ValueError) as exc:
            _LOG.warning("could not store the schema map of %s beside its bundle: %s", version, exc)
    return found
