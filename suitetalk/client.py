"""``Client``: NetSuite's record operations, composed from the pieces below it.

Each operation builds its body from Python values (``records``), sends it through the retry controller
and the limiter (``retry``, ``limiter``) with a fresh passport per attempt (``auth``), one request at a time
(``transport``), and turns the answer into typed results (``results``) or typed errors (``errors``).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import logging
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, overload
from urllib.parse import urlsplit

import requests
from zeep.xsd.valueobjects import CompoundValue

from . import endpoints
from .auth import PassportBuilder
from .bulk_input import invalid_read, invalid_write, prepare
from .changes import DEFAULT_OVERLAP, Changes
from .codec import Codec
from .codec.store import load_schema_map
from .codec.values import CodecValue
from .config import ClientConfig, ConfigError, Credentials, Preferences, SearchPreferences, is_loopback_host
from .errors import (
    ChangesError,
    ClientClosedError,
    InputError,
    LostResponse,
    OutcomeUnknownError,
    SuiteTalkError,
    TransportError,
)
from .jobs import AsyncJob, pick_up, submit, submit_search
from .limiter import AdaptivePolicy, Limiter, open_limiter
from .profiles import load_profile
from .reconcile import reconcile_adds, reconcile_deletes
from .records import RecordDataError, RecordRef, RecordTypeError, RecordTypes, build_record, to_plain
from .results import ReadResult, WriteResult, raise_for_status_of, write_response_list_from_xml
from .retry import RetryController, RetryStats
from .search import CriteriaError, SearchPage, SearchResults, build_basic_search, build_search
from .transport import Reply, send
from .wsdl import FetchError, WsdlCache, make_session, make_zeep_client

__all__ = ["LIST_LIMITS", "Client"]

_LOG = logging.getLogger("suitetalk.client")
T = TypeVar("T")

#: Records per request NetSuite accepts for each list operation (synchronous).
LIST_LIMITS: Mapping[str, int] = {
    "addList": 200,
    "deleteList": 200,
    "updateList": 100,
    "upsertList": 100,
    "getList": 1000,
    "initializeList": 1000,
}
#: Concurrency used until NetSuite tells us the integration's limit (the smallest service tier's).
DEFAULT_CONCURRENCY = 5
#: Connections kept per host while the limit is unknown: above any account's concurrency limit.
_POOL_SIZE = 50
#: Most search pages fetched ahead by default (each is megabytes once parsed); configurable above it.
DEFAULT_MAX_PREFETCH = 8


class Client:
    """A SuiteTalk client for one account and endpoint version. Thread-safe; use it as a context manager.

    Build it from credentials and configuration, or from a profile::

        with Client.from_profile("sandbox") as client:
            customer = client.get("customer", 42)

    The common settings may be given as keyword arguments too; they replace those of ``config`` (or of the
    profile)::

        with Emulator() as emulator:
            client = Client(emulator.credentials, endpoint=emulator.base_url, concurrency=4)

    ``endpoint`` is a base URL (``http://127.0.0.1:8080``); a service URL
    (``.../services/NetSuitePort_2025_2``) is understood too and sets the version unless one is configured.

    ``wsdl`` is a local ``netsuite.wsdl`` (or its folder) or a URL to take the WSDL from; by default it is
    NetSuite's published WSDL of the configured version (or the endpoint override's), fetched once into the
    WSDL cache. ``zeep`` and ``service`` expose zeep's client and bound service to advanced users.
    """

    def __init__(
        self,
        credentials: Credentials | None = None,
        config: ClientConfig | None = None,
        *,
        profile: str | None = None,
        endpoint: str | None = None,
        version: str | None = None,
        concurrency: int | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        wsdl: str | Path | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if credentials is None:
            loaded = load_profile(profile)
            credentials = loaded.credentials
            config = config or loaded.config
        elif profile is not None:
            raise ConfigError("give either credentials or a profile, not both")
        if not isinstance(credentials, Credentials):
            raise ConfigError(
                f"credentials must be a suitetalk.Credentials, not {type(credentials).__name__}; build them "
                "with Credentials(account=..., consumer_key=..., ...) or use Client.from_profile(name)"
            )
        settings = {
            key: value
            for key, value in (
                ("endpoint", endpoint),
                ("version", version),
                ("concurrency", concurrency),
                ("connect_timeout", connect_timeout),
                ("read_timeout", read_timeout),
            )
            if value is not None
        }
        config = config or ClientConfig()
        self.config: ClientConfig = config.with_settings(**settings) if settings else config
        self.credentials: Credentials = credentials
        self.version = self.config.version
        self.service_url = endpoints.service_url(credentials.account, self.version, self.config.endpoint)
        self._passports = PassportBuilder(credentials, clock=clock)
        self._remove_tmp: weakref.finalize[..., Any] | None = None
        self._bundle_cache: WsdlCache | None = None
        self._session: requests.Session | None = None
        self._closed = False
        try:
            self._connect(wsdl)
        except BaseException:
            self.close()  # a half-built client leaves no temporary WSDL copy or open pool behind
            raise
        # A rejected request was not executed and cost NetSuite nothing, so one rejection is a hint, not
        # congestion: step down gently and climb back quickly. (Measured on 5,000 upserts at 10% injected
        # rejections: halving and waiting for 10 successes took 5.6x the ideal time, this 2.4x.)
        # The configuration names the limiter: this process's own, or a budget shared through Redis.
        url = self.config.limiter_url
        try:
            self.limiter: Limiter = open_limiter(
                url.get_secret_value() if url is not None else None,
                credentials.account.passport_id,
                limit=self.config.concurrency or DEFAULT_CONCURRENCY,
                known=self.config.concurrency is not None,
                policy=AdaptivePolicy(decrease_factor=0.8, increase_after=3),
            )
        except BaseException:
            self.close()
            raise
        # The transport takes the limiter's slots itself (for the time on the wire only), so the retry
        # controller gets none: it only decides what to retry and when.
        self._retry = RetryController(self.config.retry, sleep=sleep)
        self._sleep = sleep
        self._limit_known = self.config.concurrency is not None
        self._discovery_lock = threading.Lock()

    def _connect(self, wsdl: str | Path | None) -> None:
        if self.config.verify is False:
            _LOG.warning(
                "TLS certificate verification is off (verify=False): any server can pose as %s",
                self.service_url,
            )
        # The pool matches a configured limit; a limit still to be discovered can be as high as the account's.
        # The WSDL is fetched through the same session, so with the same TLS verification.
        self._session = make_session(
            self.config.concurrency or _POOL_SIZE,
            connect_timeout=self.config.connect_timeout,
            read_timeout=self.config.read_timeout,
            verify=self.config.verify,
        )
        try:
            wsdl_path = self._resolve_wsdl(wsdl)
        except FetchError as exc:
            if isinstance(exc.__cause__, requests.exceptions.SSLError):
                # The same typed error a SOAP request gets when the certificate cannot be verified.
                raise TransportError(
                    f"could not fetch the WSDL: TLS failed ({exc.__cause__}); trust the server's CA with "
                    "verify='path/to/ca.pem' (SUITETALK_CA_BUNDLE)",
                    code="TLS_ERROR",
                ) from exc
            raise
        self._wsdl_path = wsdl_path
        self._zeep: Any = None
        self._service: Any = None
        self._types: RecordTypes | None = None
        self._zeep_lock = threading.Lock()
        # The schema map stored beside the cached bundle makes the client ready without zeep's model of the
        # WSDL (the slow part of a start); zeep is loaded when something needs it (see the zeep property).
        schema = load_schema_map(wsdl_path, self.version, lambda: self.zeep, cache=self._bundle_cache)
        self.codec = Codec(schema, lambda key: self.zeep.get_type(key))

    @property
    def zeep(self) -> Any:
        """zeep's client for the WSDL (loaded on first use: requests, record building, ``call``)."""
        if self._zeep is None:
            with self._zeep_lock:
                if self._zeep is None:
                    zeep_client, service = make_zeep_client(
                        self._wsdl_path,
                        self.service_url,
                        version=self.version,
                        session=self._session,
                        max_response_bytes=self.config.max_response_bytes,
                    )
                    self._service = service
                    self._zeep = zeep_client
        return self._zeep

    @property
    def service(self) -> Any:
        """zeep's service bound to the account's endpoint (loads zeep's model on first use)."""
        if self._service is None:
            self.zeep  # noqa: B018 (loads both)
        return self._service

    @property
    def types(self) -> RecordTypes:
        """The record, search and core types of this client's WSDL (zeep types; loads zeep on first use)."""
        if self._types is None:
            self._types = RecordTypes(self.zeep, self.version, values=self.codec.value_class_for)
        return self._types

    @classmethod
    def from_profile(
        cls,
        name: str | None = None,
        *,
        endpoint: str | None = None,
        version: str | None = None,
        concurrency: int | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        **kwargs: Any,
    ) -> Client:
        """A client for a named profile (``None``: ``$SUITETALK_PROFILE`` or ``default``).

        The keyword settings replace the profile's: ``Client.from_profile("sandbox", concurrency=2)``.
        """
        return cls(
            profile=name,
            endpoint=endpoint,
            version=version,
            concurrency=concurrency,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"Client(account={self.credentials.account.passport_id!r}, version={self.version!r})"

    # -- life cycle ------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool (and remove a temporary WSDL copy). Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._session is not None:
            self._session.close()
        limiter = getattr(self, "limiter", None)
        if limiter is not None:
            limiter.close()
        if self._remove_tmp is not None:
            self._remove_tmp()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def retry_stats(self) -> RetryStats:
        """Counters of attempts, retries by code and time spent waiting."""
        return self._retry.stats

    def _resolve_wsdl(self, wsdl: str | Path | None) -> Path:
        if wsdl is not None and not (isinstance(wsdl, str) and urlsplit(wsdl).scheme in ("http", "https")):
            path = Path(wsdl).expanduser()
            return path / "netsuite.wsdl" if path.is_dir() else path
        source = str(wsdl) if wsdl is not None else endpoints.wsdl_url(self.version, self.config.endpoint)
        host = urlsplit(source).hostname or ""
        if urlsplit(source).scheme == "http" and not is_loopback_host(host):
            raise ConfigError(
                f"wsdl={source!r} uses plain http on a non-loopback host, where the WSDL could be altered on "
                "the way; use https, or http only for 127.0.0.1, ::1 or localhost (the emulator)"
            )
        if is_loopback_host(host):
            # A local endpoint (the emulator, a test proxy) serves its own schema on a port that changes from
            # run to run: keep its copy for this client only, never in the shared cache of NetSuite's WSDLs.
            # It is removed on close(), or when the client is garbage-collected or the interpreter exits.
            tmp = Path(tempfile.mkdtemp(prefix="suitetalk-wsdl-"))
            self._remove_tmp = weakref.finalize(self, shutil.rmtree, tmp, ignore_errors=True)
            self._bundle_cache = WsdlCache(tmp)
            return self._bundle_cache.fetch(self.version, source, session=self._session)
        root = WsdlCache(self.config.wsdl_cache).root
        if self.config.endpoint or wsdl is not None:
            # A proxy's WSDL may differ from NetSuite's: cache it apart, by host.
            root = root / "hosts" / host
        self._bundle_cache = WsdlCache(root)
        return self._bundle_cache.ensure(self.version, source, session=self._session)

    # -- sending ---------------------------------------------------------------------------------------------

    def _headers_for(
        self,
        operation: str,
        preferences: Preferences | None,
        search_preferences: SearchPreferences | None,
    ) -> Callable[[], dict[str, Any]]:
        declared = self.codec.schema.operation(operation).header_names
        static: dict[str, Any] = {}
        prefs = (preferences or self.config.preferences).to_header()
        if prefs and "preferences" in declared:
            static["preferences"] = prefs
        if "searchPreferences" in declared:
            static["searchPreferences"] = (search_preferences or self.config.search_preferences).to_header()

        def build() -> dict[str, Any]:
            # A passport is single-use: every attempt, retries included, gets a new one.
            return {"tokenPassport": self._passports.build().to_zeep(), **static}

        return build

    def _call(
        self,
        operation: str,
        body: Mapping[str, Any],
        *,
        safe: bool,
        records: Sequence[str] = (),
        preferences: Preferences | None = None,
        search_preferences: SearchPreferences | None = None,
        read_body: Callable[[Any], Any] | None = None,
        codec: bool = True,
        plain: bool = False,
    ) -> Reply:
        if self._closed:
            raise ClientClosedError(
                "this Client is closed: make a new one (or do the work inside its with block)",
                operation=operation,
            )
        if not self._limit_known and operation != "getIntegrationGovernanceInfo":
            self._discover_limit()
        headers = self._headers_for(operation, preferences, search_preferences)
        build_body = None
        stream_body = None
        if codec:
            # The codec reads the answers and writes the requests of the operations it covers; zeep the rest.
            # Pages (search, getList) it reads while they are parsed, each record freed once read.
            if read_body is None:
                read_body = self.codec.response_reader(operation)
                stream_body = self.codec.answer_stream(operation, plain=plain)
            build_body = self.codec.request_builder(operation)
        lost: list[LostResponse] = []

        def attempt() -> Reply:
            try:
                return send(
                    self.service,
                    operation,
                    body,
                    headers(),
                    limiter=self.limiter,
                    read_body=read_body,
                    build_body=build_body,
                    stream_body=stream_body,
                )
            except LostResponse as exc:
                lost.append(exc)  # the answer to a later attempt may show this attempt's effects
                raise

        reply = self._retry.call(operation, attempt, lost_response_safe=safe, records=records)
        return dataclasses.replace(reply, after_lost_response=True) if lost else reply

    def _discover_limit(self) -> None:
        """Ask NetSuite for this integration's concurrency limit once, when none was configured.

        Other threads wait on the lock meanwhile, so that none sends at the default limit while the real
        one is on its way.
        """
        with self._discovery_lock:
            if self._limit_known:
                return
            try:
                info = self.get_integration_governance_info()
            except SuiteTalkError as exc:
                _LOG.info(
                    "could not read the integration's concurrency limit (%s); using %d",
                    exc.code,
                    self.limiter.limit,
                )
            else:
                limit = info.get("integrationConcurrencyLimit")
                if isinstance(limit, int) and limit > 0:
                    if str(info.get("limitType", "")) == "_integrationSpecific":
                        # This integration has a limit of its own: its workers share that, not the account's.
                        self.limiter.use_integration_budget(self.credentials.consumer_key)
                    self.limiter.limit = limit  # a shared limiter publishes it to every worker
                    _LOG.info("integration concurrency limit: %d", limit)
            # Set last, so that a thread that sees it set (without the lock) also sees the limit applied.
            self._limit_known = True

    def call(self, operation: str, /, *, idempotent: bool = False, **body: Any) -> Any:
        """Any operation of the WSDL by name, with zeep-style arguments; returns zeep's response body.

        ``idempotent`` says whether repeating the request is harmless, which allows retrying it after a lost
        response. Use the named methods where there is one: they validate, split and type for you.
        """
        if operation not in self._operations:
            close = difflib.get_close_matches(operation, self._operations, n=3)
            hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
            raise InputError(f"the {self.version} WSDL has no operation {operation!r}{hint}")
        return self._call(operation, body, safe=idempotent, codec=False).body

    @property
    def _operations(self) -> frozenset[str]:
        return self.codec.schema.operations

    # -- records and references ------------------------------------------------------------------------------

    def record(self, record_type: str, data: Mapping[str, Any] | None = None, /, **fields: Any) -> Any:
        """A zeep record of ``record_type`` (``"customer"``) from a mapping and/or keyword arguments."""
        return build_record(self.types, record_type, data, **fields)

    def ref(
        self, record_type: str, internal_id: int | str | None = None, *, external_id: str | None = None
    ) -> Any:
        """A zeep ``RecordRef`` to a record by internal or external id."""
        return RecordRef(
            internal_id=None if internal_id is None else str(internal_id),
            external_id=external_id,
            type=record_type,
        ).to_zeep(self.types)

    def _as_record(self, record: Any, record_type: str | None, fields: Mapping[str, Any]) -> Any:
        if isinstance(record, str):
            return self.record(record, **fields)
        if fields:
            raise RecordTypeError("keyword fields go with a record type name, not with a record object")
        if isinstance(record, CodecValue):
            return record  # the codec's value of a type (what record() makes): its type is known
        if isinstance(record, Mapping):
            if record_type is None:
                raise RecordDataError("a record given as a dict needs record_type= (e.g. 'customer')")
            return self.record(record_type, record)
        if getattr(record, "_xsd_type", None) is None:
            raise RecordDataError(
                f"expected a record (zeep object, dict or type name), got {type(record).__name__}"
            )
        return record

    def _as_ref(self, ref: Any, record_type: str | None) -> Any:
        if isinstance(ref, RecordRef):
            if ref.type is None and record_type is None:
                raise RecordDataError(f"{ref!r} needs a type (record_type=...) to be read or deleted")
            chosen = (
                ref
                if ref.type
                else RecordRef(ref.internal_id, ref.external_id, record_type, ref.name, ref.type_id)
            )
            return chosen.to_zeep(self.types)
        if isinstance(ref, int | str) and not isinstance(ref, bool):
            if record_type is None:
                raise RecordDataError(f"internal id {ref!r} needs record_type= to say what it refers to")
            return self.ref(record_type, ref)
        if isinstance(ref, Mapping):
            internal = ref.get("internal_id", ref.get("internalId"))
            external = ref.get("external_id", ref.get("externalId"))
            kind = ref.get("type", record_type)
            if kind is None:
                raise RecordDataError(f"reference {dict(ref)!r} needs a type")
            return self.ref(str(kind), internal, external_id=external)
        if getattr(ref, "_xsd_type", None) is not None:
            local = ref._xsd_type.qname.localname
            if local in ("RecordRef", "CustomRecordRef"):
                return ref
            return RecordRef.from_record(ref).to_zeep(self.types)
        raise RecordDataError(f"cannot make a record reference from {ref!r}")

    @staticmethod
    def _label(record: Any) -> str:
        external = getattr(record, "externalId", None)
        internal = getattr(record, "internalId", None)
        codec_type = getattr(type(record), "_codec_type", None)  # a codec value: its type is known
        local = (
            codec_type.name
            if codec_type is not None
            else getattr(getattr(getattr(record, "_xsd_type", None), "qname", None), "localname", "record")
        )
        kind = local[:1].lower() + local[1:]  # NetSuite's record type name: Customer -> customer
        if external:
            return f"{kind} externalId={external}"
        if internal:
            return f"{kind} internalId={internal}"
        return f"{kind} (no id)"

    # -- reads -----------------------------------------------------------------------------------------------

    def get(
        self, record_type: str, internal_id: int | str | None = None, *, external_id: str | None = None
    ) -> Any:
        """One record by internal or external id.

        Raises :class:`~suitetalk.errors.RecordNotFoundError` if there is no such record (a typed outcome you
        can catch; ``get_list`` reports missing records in its results instead).
        """
        return self.get_result(record_type, internal_id, external_id=external_id).raise_for_status().record

    def get_result(
        self, record_type: str, internal_id: int | str | None = None, *, external_id: str | None = None
    ) -> ReadResult:
        """One record as a :class:`~suitetalk.results.ReadResult`: the record with NetSuite's warnings
        (``.warnings``) and request id, or why it could not be read (``success=False``; nothing raised)."""
        ref = self.ref(record_type, internal_id, external_id=external_id)
        reply = self._call("get", {"baseRef": ref}, safe=True)
        return ReadResult.from_zeep(reply.body, reply.ns_id, operation="get", ref=RecordRef.from_zeep(ref))

    def get_list(
        self, refs: Iterable[Any], *, record_type: str | None = None, strict: bool = False
    ) -> list[ReadResult]:
        """Records by reference, any number (split into requests of 1000); one result per reference, in order.

        A reference is a :class:`~suitetalk.records.RecordRef`, an internal id with ``record_type``, a dict or
        a zeep ``RecordRef``. A missing record is a result with ``success=False`` (code ``RCRD_DSNT_EXIST``).
        A reference that cannot be sent is a failed result with code ``INVALID_RECORD_DATA`` (the others
        are read), or, with ``strict=True``, a :class:`~suitetalk.records.RecordDataError` before anything
        is sent.
        """
        items = list(refs)
        prepared = prepare(
            items, lambda ref: self._as_ref(ref, record_type), operation="getList", strict=strict
        )
        zeep_refs = [ref for _, ref in prepared.good]

        def run(chunk: Sequence[Any]) -> list[ReadResult]:
            reply = self._call("getList", {"baseRef": list(chunk)}, safe=True)
            refs = [RecordRef.from_zeep(ref) for ref in chunk]
            return ReadResult.list_from_zeep(reply.body, reply.ns_id, operation="getList", refs=refs)

        read = self._chunked("getList", zeep_refs, run, _read_failure)
        return prepared.merge(read, lambda i, error: invalid_read(items[i], record_type, error))

    def get_all(self, record_type: str) -> list[Any]:
        """Every record of a type that supports ``getAll`` (lists such as currency or state)."""
        result = self._result("getAll", {"record": {"recordType": record_type}})
        return list(getattr(result.recordList, "record", None) or [])

    # -- writes ----------------------------------------------------------------------------------------------

    def add(self, record: Any, /, *, preferences: Preferences | None = None, **fields: Any) -> WriteResult:
        """Add one record: ``add("customer", companyName="Acme", external_id="C-1")`` or ``add(record)``.

        Raises :class:`~suitetalk.errors.RecordError` if NetSuite refuses it; the result carries warnings.
        """
        zeep_record = self._as_record(record, None, fields)
        safe = bool(getattr(zeep_record, "externalId", None))
        return self._write_one("add", zeep_record, safe=safe, preferences=preferences)

    def update(self, record: Any, /, *, preferences: Preferences | None = None, **fields: Any) -> WriteResult:
        """Update one record (fields given replace NetSuite's; ``null_fields=[...]`` clears fields)."""
        return self._write_one(
            "update", self._as_record(record, None, fields), safe=True, preferences=preferences
        )

    def upsert(self, record: Any, /, *, preferences: Preferences | None = None, **fields: Any) -> WriteResult:
        """Add or update one record by its external id (required)."""
        zeep_record = self._as_record(record, None, fields)
        _require_external_id([zeep_record], "upsert")
        return self._write_one("upsert", zeep_record, safe=True, preferences=preferences)

    def delete(
        self, record_type: str, internal_id: int | str | None = None, *, external_id: str | None = None
    ) -> WriteResult:
        """Delete one record by internal or external id."""
        ref = self.ref(record_type, internal_id, external_id=external_id)
        reply = self._call(
            "delete", {"baseRef": ref}, safe=True, records=[f"{record_type} {internal_id or external_id}"]
        )
        result = WriteResult.from_zeep(reply.body, reply.ns_id, operation="delete")
        if reply.after_lost_response:
            result = reconcile_deletes([result], [ref])[0]
        return result.raise_for_status()

    def _write_one(
        self, operation: str, record: Any, *, safe: bool, preferences: Preferences | None = None
    ) -> WriteResult:
        sent_at = time.monotonic()
        reply = self._call(
            operation, {"record": record}, safe=safe, records=[self._label(record)], preferences=preferences
        )
        result = WriteResult.from_zeep(reply.body, reply.ns_id, operation=operation)
        if reply.after_lost_response and operation == "add":
            result = self._reconcile_adds([record], [result], sent_at)[0]
        return result.raise_for_status()

    def _reconcile_adds(
        self, records: Sequence[Any], results: Sequence[WriteResult], sent_at: float
    ) -> list[WriteResult]:
        def lookup(found: Sequence[Any]) -> list[ReadResult]:
            refs = [RecordRef.from_record(record).to_zeep(self.types) for record in found]
            reply = self._call("getList", {"baseRef": refs}, safe=True)
            wanted = [RecordRef.from_zeep(ref) for ref in refs]
            return ReadResult.list_from_zeep(reply.body, reply.ns_id, operation="getList", refs=wanted)

        return reconcile_adds(
            records, results, sent_at=sent_at, lookup=lookup, server_time=self.get_server_time
        )

    def add_list(
        self,
        records: Iterable[Any],
        *,
        record_type: str | None = None,
        preferences: Preferences | None = None,
        strict: bool = False,
    ) -> list[WriteResult]:
        """Add any number of records (requests of 200); one result per record, in input order.

        Never raises for a record NetSuite refuses: look at each result. A record that cannot be sent (a field
        the type lacks, a value of the wrong kind) is a failed result at its position, with code
        ``INVALID_RECORD_DATA`` and the position and field in its message, and the others are sent;
        ``strict=True`` refuses the whole call instead, with one :class:`~suitetalk.records.RecordDataError`
        naming every bad record, before anything is sent. A request whose response was lost is
        retried only if every record in it has an external id; otherwise its records' results say the outcome
        is unknown (``outcome_unknown``), instead of risking duplicates.
        """
        return self._write_list("addList", records, record_type, preferences, strict)

    def update_list(
        self,
        records: Iterable[Any],
        *,
        record_type: str | None = None,
        preferences: Preferences | None = None,
        strict: bool = False,
    ) -> list[WriteResult]:
        """Update any number of records (requests of 100); one result per record, in input order."""
        return self._write_list("updateList", records, record_type, preferences, strict)

    def upsert_list(
        self,
        records: Iterable[Any],
        *,
        record_type: str | None = None,
        preferences: Preferences | None = None,
        strict: bool = False,
    ) -> list[WriteResult]:
        """Add or update any number of records by external id (requests of 100); results in input order."""
        return self._write_list("upsertList", records, record_type, preferences, strict)

    def delete_list(
        self, refs: Iterable[Any], *, record_type: str | None = None, strict: bool = False
    ) -> list[WriteResult]:
        """Delete any number of records (requests of 200); one result per reference, in input order.

        A reference that cannot be sent is a failed result with code ``INVALID_RECORD_DATA``, as in
        :meth:`add_list`; ``strict=True`` refuses the whole call instead.
        """
        items = list(refs)
        prepared = prepare(
            items, lambda ref: self._as_ref(ref, record_type), operation="deleteList", strict=strict
        )
        zeep_refs = [ref for _, ref in prepared.good]

        def run(chunk: Sequence[Any]) -> list[WriteResult]:
            labels = _Labels(chunk, lambda r: f"{r.type} {r.internalId or r.externalId}")
            reply = self._call(
                "deleteList",
                {"baseRef": list(chunk)},
                safe=True,
                records=labels,
                read_body=functools.partial(write_response_list_from_xml, expected=len(chunk)),
            )
            results = WriteResult.list_from_zeep(
                reply.body, reply.ns_id, operation="deleteList", expected=len(chunk)
            )
            return reconcile_deletes(results, chunk) if reply.after_lost_response else results

        deleted = self._chunked("deleteList", zeep_refs, run, _write_failure)
        return prepared.merge(deleted, lambda i, error: invalid_write(items[i], record_type, error))

    def _write_list(
        self,
        operation: str,
        records: Iterable[Any],
        record_type: str | None,
        preferences: Preferences | None,
        strict: bool,
    ) -> list[WriteResult]:
        items = list(records)

        def convert(record: Any) -> Any:
            zeep_record = self._as_record(record, record_type, {})
            if operation == "upsertList" and not getattr(zeep_record, "externalId", None):
                raise RecordDataError(f"{operation} needs an external id on every record; this one has none")
            return zeep_record

        prepared = prepare(items, convert, operation=operation, strict=strict)
        zeep_records = [record for _, record in prepared.good]

        def run(chunk: Sequence[Any]) -> list[WriteResult]:
            safe = operation != "addList" or all(getattr(r, "externalId", None) for r in chunk)
            labels = _Labels(chunk, self._label)
            sent_at = time.monotonic()
            reply = self._call(
                operation,
                {"record": list(chunk)},
                safe=safe,
                records=labels,
                preferences=preferences,
                read_body=functools.partial(write_response_list_from_xml, expected=len(chunk)),
            )
            results = WriteResult.list_from_zeep(
                reply.body, reply.ns_id, operation=operation, expected=len(chunk)
            )
            if reply.after_lost_response and operation == "addList":
                return self._reconcile_adds(chunk, results, sent_at)
            return results

        written = self._chunked(operation, zeep_records, run, _write_failure)
        return prepared.merge(written, lambda i, error: invalid_write(items[i], record_type, error))

    def _chunked(
        self,
        operation: str,
        items: Sequence[Any],
        run: Callable[[Sequence[Any]], list[T]],
        failed: Callable[[SuiteTalkError, Sequence[Any]], list[T]],
    ) -> list[T]:
        """Split ``items`` into NetSuite's per-request limit and send the chunks concurrently.

        The limiter, shared by every thread of this client, keeps the requests in flight under the limit;
        the pool only has to be large enough to fill it. A chunk that fails as a whole yields one failed
        result per record, so the other chunks' results are never lost.
        """
        size = LIST_LIMITS[operation]
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        if not chunks:
            return []

        def guarded(chunk: Sequence[Any]) -> list[T]:
            try:
                return run(chunk)
            except SuiteTalkError as exc:
                return failed(exc, chunk)
            except Exception as exc:
                # A bug of ours, maybe after the request went out: nobody can say what NetSuite did.
                _LOG.exception("%s: unexpected error", operation)
                error = OutcomeUnknownError(
                    f"Outcome unknown: {operation} failed inside the client ({type(exc).__name__}), possibly "
                    "after the request was sent. Check the records (get by external id, or search) before "
                    "resending any.",
                    operation=operation,
                    records=[self._label(item) for item in chunk],
                )
                return failed(error, chunk)

        if len(chunks) == 1:
            return guarded(chunks[0])
        # One worker more than the limit: while the limit's worth of requests are on the wire, the next
        # chunk is rendered, ready to take the first slot that frees.
        workers = min(len(chunks), self.limiter.max_limit + 1)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"suitetalk-{operation}") as pool:
            return [result for chunk_results in pool.map(guarded, chunks) for result in chunk_results]

    # -- search ----------------------------------------------------------------------------------------------

    def search(
        self,
        search: Any,
        where: Mapping[str, Any] | None = None,
        *,
        columns: Sequence[str] = (),
        saved_search: str | int | None = None,
        page_size: int | None = None,
        body_fields_only: bool | None = None,
        search_preferences: SearchPreferences | None = None,
        start_page: int = 1,
        search_id: str | None = None,
        prefetch: int | None = None,
        plain: bool = False,
    ) -> SearchResults:
        """A lazy search over every page; iterate it for records (or rows of an advanced search).

        ``search`` is a record type name with ``where`` conditions in the concise form (see
        :func:`~suitetalk.search.build_basic_search`; ``"contactJoin.email"`` names a joined field), or any
        zeep search record. ``columns`` (``["entityId", "contactJoin.email"]``) make it an advanced search
        whose iteration yields rows (see :func:`~suitetalk.search.row_values`); ``saved_search`` runs a
        saved search by internal id or script id. ``page_size`` (5..1000) and ``body_fields_only``, or
        ``search_preferences``, override the client's search preferences and are sent with every page.
        ``start_page``/``search_id`` resume an interrupted iteration.

        ``prefetch`` pages are fetched ahead on worker threads while you iterate, under the concurrency
        limit, and still delivered in order (see :class:`~suitetalk.search.SearchResults`); 0 fetches one
        page at a time. By default ``ClientConfig.search_prefetch``, else the concurrency limit (at most 8).

        ``plain=True`` gives each record (or row) as plain data, what :meth:`to_plain` gives for it, read
        straight from the answer without making the record first: the fastest way to export.
        """
        if isinstance(start_page, bool) or not isinstance(start_page, int) or start_page < 1:
            raise CriteriaError(f"pages are numbered from 1, got start_page={start_page!r}")
        prefs = search_preferences or self.config.search_preferences
        updates = {
            k: v
            for k, v in (("page_size", page_size), ("body_fields_only", body_fields_only))
            if v is not None
        }
        if updates:
            prefs = SearchPreferences(**{**prefs.model_dump(), **updates})
        search_record = None
        if search_id is None:
            saved = None if saved_search is None else str(saved_search)
            search_record = self._search_record(search, where, columns, saved)

        def run() -> SearchPage:
            reply = self._call(
                "search", {"searchRecord": search_record}, safe=True, search_preferences=prefs, plain=plain
            )
            page = SearchPage.from_zeep(reply.body.searchResult, operation="search", ns_id=reply.ns_id)
            return _plain_page(page) if plain else page

        def more(sid: str, page_index: int) -> SearchPage:
            return self._search_more(sid, page_index, prefs, plain=plain)

        # Resumed from a search id alone, there is no search to run again if the id expires.
        return SearchResults(
            run if search_id is None else None,
            more,
            start_page=start_page,
            search_id=search_id,
            prefetch=self._default_prefetch if prefetch is None else prefetch,
        )

    def _default_prefetch(self) -> int:
        """Pages to fetch ahead, decided when an iteration starts (the limit may be known only then).

        As many as the limit: the iterating thread sends nothing while it waits for pages, and a request it
        sends from its loop body waits at most for one page fetch to free a slot, because no new fetch
        starts until it asks for the next page.
        """
        if self.config.search_prefetch is not None:
            return self.config.search_prefetch
        return min(self.limiter.max_limit, DEFAULT_MAX_PREFETCH)

    def search_more_with_id(
        self, search_id: str, page_index: int, *, page_size: int | None = None
    ) -> SearchPage:
        """One page (1-based) of an earlier search. Raises SearchExpiredError for an expired search id."""
        prefs = self.config.search_preferences
        if page_size is not None:
            prefs = SearchPreferences(**{**prefs.model_dump(), "page_size": page_size})
        return self._search_more(search_id, page_index, prefs)

    def _search_more(
        self, search_id: str, page_index: int, prefs: SearchPreferences, *, plain: bool = False
    ) -> SearchPage:
        reply = self._call(
            "searchMoreWithId",
            {"searchId": search_id, "pageIndex": page_index},
            safe=True,
            search_preferences=prefs,
            plain=plain,
        )
        page = SearchPage.from_zeep(reply.body.searchResult, operation="searchMoreWithId", ns_id=reply.ns_id)
        return _plain_page(page) if plain else page

    def _search_record(
        self, search: Any, where: Mapping[str, Any] | None, columns: Sequence[str], saved_search: str | None
    ) -> Any:
        if not isinstance(search, str):
            if where or columns or saved_search:
                raise CriteriaError(
                    "where=, columns= and saved_search= go with a record type name, not a zeep search"
                )
            return search
        conditions = dict(where or {})
        type_filter = self.types.search_type_filter(search)
        if type_filter is not None and "type" not in conditions:
            conditions["type"] = ("anyOf", [type_filter])
        joined = any("." in name for name in conditions)
        if not (joined or columns or saved_search is not None):
            basic_type = self.types.search_type_for(search, "basic")
            return build_basic_search(basic_type, conditions, make_type=self.types.core)
        try:
            advanced_type = self.types.search_type_for(search, "advanced")
        except LookupError:
            advanced_type = None
        return build_search(
            self.types.search_type_for(search, "search"),
            advanced_type,
            conditions,
            make_type=self.types.core,
            columns=columns,
            saved_search=saved_search,
        )

    # -- asynchronous jobs (suitetalk.jobs) -------------------------------------------------------------

    def async_add_list(
        self,
        records: Iterable[Any],
        *,
        record_type: str | None = None,
        preferences: Preferences | None = None,
    ) -> AsyncJob[list[WriteResult]]:
        """Add records in NetSuite's job queue (``asyncAddList``, 400 records per job); returns the job.

        ``job.wait()`` gives what :meth:`add_list` gives. A submission whose response was lost is retried
        only if every record has an external id, as for ``add_list``.
        """
        return self._async_write("asyncAddList", records, record_type, preferences)

    def async_update_list(
        self,
        records: Iterable[Any],
        *,
        record_type: str | None = None,
        preferences: Preferences | None = None,
    ) -> AsyncJob[list[WriteResult]]:
        """Update records in a job (``asyncUpdateList``, 200 records per job); see :meth:`async_add_list`."""
        return self._async_write("asyncUpdateList", records, record_type, preferences)

    def async_upsert_list(
        self,
        records: Iterable[Any],
        *,
        record_type: str | None = None,
        preferences: Preferences | None = None,
    ) -> AsyncJob[list[WriteResult]]:
        """Add or update records by external id in a job (``asyncUpsertList``, 200 records per job)."""
        return self._async_write("asyncUpsertList", records, record_type, preferences)

    def async_delete_list(
        self, refs: Iterable[Any], *, record_type: str | None = None
    ) -> AsyncJob[list[WriteResult]]:
        """Delete records in a job (``asyncDeleteList``, 400 records per job)."""
        job: AsyncJob[list[WriteResult]] = self._async_by_refs("asyncDeleteList", refs, record_type)
        return job

    def async_get_list(
        self, refs: Iterable[Any], *, record_type: str | None = None
    ) -> AsyncJob[list[ReadResult]]:
        """Read records in a job (``asyncGetList``, 2,000 per job); ``wait()`` gives what get_list gives."""
        job: AsyncJob[list[ReadResult]] = self._async_by_refs("asyncGetList", refs, record_type)
        return job

    def async_search(
        self,
        search: Any,
        where: Mapping[str, Any] | None = None,
        *,
        columns: Sequence[str] = (),
        saved_search: str | int | None = None,
        page_size: int | None = None,
        body_fields_only: bool | None = None,
    ) -> AsyncJob[SearchResults]:
        """Run a search as a job (``asyncSearch``); ``wait()`` gives a lazy result, as :meth:`search` does.

        The arguments are :meth:`search`'s. The job's pages are read with ``getAsyncResult``, so they do not
        expire 15 minutes after the search as a search id does.
        """
        prefs = self.config.search_preferences
        updates = {
            k: v
            for k, v in (("page_size", page_size), ("body_fields_only", body_fields_only))
            if v is not None
        }
        if updates:
            prefs = SearchPreferences(**{**prefs.model_dump(), **updates})
        saved = None if saved_search is None else str(saved_search)
        record = self._search_record(search, where, columns, saved)
        return submit_search(self._call, record, sleep=self._sleep, search_preferences=prefs)

    def async_job(self, job_id: str) -> AsyncJob[Any]:
        """A job submitted earlier, maybe by another process, from its :attr:`~suitetalk.jobs.AsyncJob.id`."""
        return pick_up(self._call, job_id, sleep=self._sleep)

    def _async_by_refs(self, operation: str, refs: Iterable[Any], record_type: str | None) -> AsyncJob[Any]:
        """A job of an operation on references (delete and get: repeating either is harmless)."""
        prepared = prepare(
            list(refs), lambda ref: self._as_ref(ref, record_type), operation=operation, strict=True
        )
        return submit(
            self._call,
            operation,
            [ref for _, ref in prepared.good],
            body_name="baseRef",
            safe=lambda chunk: True,
            label=lambda r: f"{r.type} {r.internalId or r.externalId}",
            sleep=self._sleep,
        )

    def _async_write(
        self, operation: str, records: Iterable[Any], record_type: str | None, preferences: Preferences | None
    ) -> AsyncJob[list[WriteResult]]:
        def convert(record: Any) -> Any:
            zeep_record = self._as_record(record, record_type, {})
            if operation == "asyncUpsertList" and not getattr(zeep_record, "externalId", None):
                raise RecordDataError(f"{operation} needs an external id on every record; this one has none")
            return zeep_record

        # A job is submitted whole: a record that cannot be sent fails the call before anything is sent,
        # as strict=True does for the synchronous lists.
        prepared = prepare(list(records), convert, operation=operation, strict=True)
        zeep_records = [record for _, record in prepared.good]

        def safe(chunk: Sequence[Any]) -> bool:
            return operation != "asyncAddList" or all(getattr(r, "externalId", None) for r in chunk)

        job: AsyncJob[list[WriteResult]] = submit(
            self._call,
            operation,
            zeep_records,
            body_name="record",
            safe=safe,
            label=self._label,
            headers={"preferences": preferences} if preferences is not None else None,
            sleep=self._sleep,
        )
        return job

    # -- incremental sync (suitetalk.changes) ---------------------------------------------------------

    def changes(
        self,
        record_type: str,
        *,
        since: Any = None,
        where: Mapping[str, Any] | None = None,
        overlap: timedelta = DEFAULT_OVERLAP,
        page_size: int | None = None,
    ) -> Changes:
        """The ``record_type`` records added, changed or deleted since ``since``; iterate it once.

        ``since`` is the :attr:`~suitetalk.changes.Changes.watermark` of the previous run (or its JSON), a
        timezone-aware datetime, or ``None`` for every record. ``where`` narrows the records searched
        (the concise form of :meth:`search`); deletions are of every record of the type. After the
        iteration, ``.watermark`` is what to keep for the next run. See :mod:`suitetalk.changes`.
        """

        try:
            basic = self.types.search_type_for(record_type, "basic")
        except LookupError as exc:
            raise ChangesError(f"{record_type} records cannot be searched: {exc}") from None
        if "lastModifiedDate" not in {name for name, _ in basic.elements}:
            raise ChangesError(
                f"{basic.name} has no lastModifiedDate: changes() cannot track {record_type} records"
            )

        def pages(conditions: Mapping[str, Any]) -> Iterable[SearchPage]:
            return self.search(record_type, conditions, page_size=page_size).pages()

        def deleted(after: datetime, page_index: int) -> Any:
            # getDeleted's "after" is strict: a second earlier makes the window start at ``after`` itself.
            return self.get_deleted([record_type], after=after - timedelta(seconds=1), page_index=page_index)

        return Changes(
            record_type,
            since=since,
            overlap=overlap,
            where=where,
            server_time=self.get_server_time,
            search=pages,
            deleted=deleted,
        )

    # -- other operations ------------------------------------------------------------------------------------

    def get_server_time(self) -> datetime:
        """NetSuite's clock (compare it with yours when logins fail: the passport carries a timestamp)."""
        value: datetime = self._result("getServerTime", {}).serverTime
        return value

    def get_deleted(
        self,
        record_types: Sequence[str] | None = None,
        *,
        after: datetime | None = None,
        before: datetime | None = None,
        page_index: int = 1,
    ) -> Any:
        """Records deleted in a time window (one page; ``page_index`` from 1). Returns zeep's result."""
        deleted_date: dict[str, Any]
        if after and before:
            deleted_date = {"operator": "within", "searchValue": after, "searchValue2": before}
        elif after:
            deleted_date = {"operator": "after", "searchValue": after}
        elif before:
            deleted_date = {"operator": "before", "searchValue": before}
        else:
            raise InputError(
                "get_deleted needs after= and/or before= (NetSuite requires a deleted-date window)"
            )
        filter_: dict[str, Any] = {"deletedDate": deleted_date}
        if record_types:
            filter_["type"] = {"operator": "anyOf", "searchValue": list(record_types)}
        return self._result("getDeleted", {"getDeletedFilter": filter_, "pageIndex": page_index})

    def get_select_value(self, field: Mapping[str, Any], page_index: int = 1) -> Any:
        """The values a select field may take; ``field`` is a ``GetSelectValueFieldDescription`` dict.

        Returns zeep's ``GetSelectValueResult``; :func:`~suitetalk.results.warnings_of` gives its warnings
        (NetSuite's ``Results are incomplete`` among them)."""
        return self._result("getSelectValue", {"fieldDescription": dict(field), "pageIndex": page_index})

    def initialize(self, record_type: str, reference: Any, *, reference_type: str | None = None) -> Any:
        """A new record initialised from another (e.g. an invoice from a sales order)."""
        ref_type = reference_type or (reference.get("type") if isinstance(reference, Mapping) else None)
        zeep_ref = self._as_ref(reference, ref_type)
        body = {
            "initializeRecord": {
                "type": record_type,
                "reference": {"internalId": zeep_ref.internalId, "type": zeep_ref.type},
            }
        }
        reply = self._call("initialize", body, safe=True)
        return ReadResult.from_zeep(reply.body, reply.ns_id, operation="initialize").raise_for_status().record

    def attach(self, attach_to: Any, attached: Any, *, contact_role: Any = None) -> WriteResult:
        """Attach a record to another: a contact (with an optional role) or a file, note, etc.

        ``attach_to`` and ``attached`` are references (``RecordRef`` with a type, dicts, or zeep refs). A
        prebuilt zeep ``Attach*Reference`` may be passed as ``attach_to`` alone, with ``attached=None``.
        """
        if attached is None:
            reference = attach_to
        else:
            to_ref, what = self._as_ref(attach_to, None), self._as_ref(attached, None)
            if what.type == "contact":
                role = contact_role
                if isinstance(contact_role, int | str):  # a role is referred to by internal id only
                    role = self.types.core("RecordRef")(internalId=str(contact_role))
                reference = self.types.core("AttachContactReference")(
                    attachTo=to_ref, contact=what, contactRole=role
                )
            else:
                reference = self.types.core("AttachBasicReference")(attachTo=to_ref, attachedRecord=what)
        reply = self._call("attach", {"attachReference": reference}, safe=True)
        return WriteResult.from_zeep(reply.body, reply.ns_id, operation="attach").raise_for_status()

    def detach(self, detach_from: Any, detached: Any) -> WriteResult:
        """Detach ``detached`` from ``detach_from`` (references, as for :meth:`attach`)."""
        reference = self.types.core("DetachBasicReference")(
            detachFrom=self._as_ref(detach_from, None), detachedRecord=self._as_ref(detached, None)
        )
        reply = self._call("detach", {"detachReference": reference}, safe=True)
        return WriteResult.from_zeep(reply.body, reply.ns_id, operation="detach").raise_for_status()

    def get_integration_governance_info(self) -> dict[str, Any]:
        """This integration's concurrency limit (``integrationConcurrencyLimit``, ``limitType``)."""
        return self._governance("getIntegrationGovernanceInfo")

    def get_account_governance_info(self) -> dict[str, Any]:
        """The account's concurrency limit and what is not allocated to integrations."""
        return self._governance("getAccountGovernanceInfo")

    def _governance(self, operation: str) -> dict[str, Any]:
        plain = to_plain(self._result(operation, {}))
        plain.pop("status", None)
        return dict(plain)

    def _result(self, operation: str, body: Mapping[str, Any]) -> Any:
        """The ``<operation>Result`` of a read-only operation, raising if its status is a failure."""
        reply = self._call(operation, body, safe=True)
        result = getattr(reply.body, f"{operation}Result", reply.body)
        raise_for_status_of(getattr(result, "status", None), operation=operation, ns_id=reply.ns_id)
        return result

    # -- conversion ------------------------------------------------------------------------------------------

    @staticmethod
    def to_plain(value: Any) -> Any:
        """Any result as JSON-serialisable Python data (see :func:`~suitetalk.records.to_plain`)."""
        return to_plain(value)

    def iter_records(self, results: Iterable[Any]) -> Iterator[Any]:
        """Plain dicts of records from any iterable of zeep records (a search, a ``get_list``)."""
        for item in results:
            yield to_plain(item.record if isinstance(item, ReadResult) else item)


class _Labels(Sequence[str]):
    """Labels of a request's records (``customer externalId=C-1``), made when first read: only an error that
    cannot say which records were written shows them, and a bulk write would otherwise make one per record
    sent for nothing."""

    __slots__ = ("_items", "_label", "_made")

    def __init__(self, items: Sequence[Any], label: Callable[[Any], str]) -> None:
        self._items = items
        self._label = label
        self._made: list[str] | None = None

    def _all(self) -> list[str]:
        if self._made is None:
            self._made = [self._one(item) for item in self._items]
        return self._made

    def _one(self, item: Any) -> str:
        # Made on an error's path: a label that cannot be made must not replace the error being reported.
        try:
            return self._label(item)
        except Exception:
            _LOG.debug("no label for a %s", type(item).__name__, exc_info=True)
            return "record (no label)"

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all()[index]


def _plain_page(page: SearchPage) -> SearchPage:
    """``page`` with its records and rows as plain data.

    The codec reads them so as the page is parsed; an answer read another way (whole, when the streamed
    reading does not take it, or by zeep for the CLI's ``--verbose`` log) has records (zeep's objects or the
    codec's, both ``CompoundValue``), converted here.
    """
    if not any(isinstance(item, CompoundValue) for item in (*page.records, *page.rows)):
        return page
    # Only the records: plain data given to to_plain again could lose what it keeps (an empty list in
    # custom_fields); a page can mix both (an item the streamed reading did not take).
    return dataclasses.replace(
        page,
        records=[to_plain(r) if isinstance(r, CompoundValue) else r for r in page.records],
        rows=[to_plain(r) if isinstance(r, CompoundValue) else r for r in page.rows],
    )


def _require_external_id(records: Sequence[Any], operation: str) -> None:
    missing = [i for i, record in enumerate(records) if not getattr(record, "externalId", None)]
    if missing:
        shown = ", ".join(str(i) for i in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise RecordDataError(
            f"{operation} needs an external id on every record; missing at position(s) {shown}"
        )


def _write_failure(error: SuiteTalkError, chunk: Sequence[Any]) -> list[WriteResult]:
    return [WriteResult.from_error(error, record) for record in chunk]


def _read_failure(error: SuiteTalkError, chunk: Sequence[Any]) -> list[ReadResult]:
    return [ReadResult.from_error(error, RecordRef.from_zeep(ref)) for ref in chunk]
