"""The :class:`Emulator`: a real, threaded HTTP server on loopback running the emulator app.

The server is werkzeug's ``ThreadedWSGIServer`` (``make_server(threaded=True)``): one thread per
connection, so requests really run at the same time and the concurrency limit means what it means on
NetSuite. It closes every connection after its response (no keep-alive), which also makes each request a
clean unit for injected drops.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..config import Account, Credentials
from ..endpoints import service_path, wsdl_path
from .app import EmulatorApp, Stats
from .bundle import Bundle
from .clock import record_clock
from .operations import Operations
from .rules import DEFAULT_OPERATIONS, Rule, RuleOperation
from .search_sessions import SearchSessions
from .settings import EmulatorSettings
from .storage import RecordStore
from .tls import TlsFiles, server_context, write_certificates

logger = logging.getLogger("suitetalk.emulator")

_RUNTIME_FIELDS = frozenset(name for name, info in EmulatorSettings.model_fields.items() if not info.frozen)


class _QuietHandler(WSGIRequestHandler):
    """Request logging goes to the ``suitetalk.emulator`` logger at DEBUG, not to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug('emulator: "%s" %s %s', self.requestline, code, size)

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("emulator: " + format, *args)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("emulator: " + format, *args)


def _compact_bundle(version: str, dest: Path) -> Path:
    from .schema import generate_bundle

    generate_bundle(version, dest)
    return dest


class Emulator:
    """An offline SuiteTalk server on ``127.0.0.1``; use it as a context manager.

    >>> with Emulator() as emulator:                      # doctest: +SKIP
    ...     emulator.service_url, emulator.credentials

    ``settings`` (or keyword arguments naming its fields) say what to serve and how to behave; behaviour
    can be changed while running with :meth:`configure`. ``port=0`` picks a free port.
    """

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **overrides: Any,
    ) -> None:
        if settings is None:
            settings = EmulatorSettings(**overrides)
        elif overrides:
            settings = EmulatorSettings(**{**_explicit(settings), **overrides})
        self._settings = settings
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._store: RecordStore | None = None
        self._app: EmulatorApp | None = None
        self._sessions: SearchSessions | None = None
        self._bundle: Bundle | None = None
        self._tls_dir: tempfile.TemporaryDirectory[str] | None = None
        self._tls: TlsFiles | None = None
        self._operations: Operations | None = None

    def __repr__(self) -> str:
        state = self.base_url if self._server is not None else "stopped"
        return f"Emulator(account={self.account.passport_id!r}, version={self.version!r}, {state})"

    # ------------------------------------------------------------------------------------ lifecycle

    def start(self) -> Emulator:
        """Load the schema, open the store and start serving; returns ``self``."""
        with self._lock:
            if self._server is not None:
                return self
            s = self._settings
            try:
                if s.schema_dir is not None:
                    folder = Path(s.schema_dir)
                else:
                    self._tempdir = tempfile.TemporaryDirectory(prefix="suitetalk-emulator-")
                    folder = _compact_bundle(s.version, Path(self._tempdir.name))
                bundle = Bundle(folder)
                if bundle.version != s.version:
                    # A bundle folder decides the version it serves.
                    self._settings = s = EmulatorSettings(**{**_explicit(s), "version": bundle.version})
                self._bundle = bundle
                self._store = RecordStore(s.database, clock=record_clock(lambda: self._settings))
                self._sessions = SearchSessions(ttl=s.search_ttl, account=s.account.passport_id)
                operations = Operations(
                    bundle,
                    self._store,
                    self._sessions,
                    lambda: self._settings,
                    lambda: self.base_url,
                    _validated_types(),
                )
                self._operations = operations
                self._app = EmulatorApp(bundle, operations, lambda: self._settings, sleep=time.sleep)
                context = None
                if s.tls:
                    self._tls_dir = tempfile.TemporaryDirectory(prefix="suitetalk-emulator-tls-")
                    self._tls = write_certificates(Path(self._tls_dir.name), self._host)
                    context = server_context(self._tls)
                try:
                    self._server = make_server(
                        self._host,
                        self._port,
                        self._app,
                        threaded=True,
                        request_handler=_QuietHandler,
                        ssl_context=context,
                    )
                except SystemExit:
                    # werkzeug exits the process when it cannot bind; a library must not.
                    raise OSError(f"the emulator cannot listen on {self._host}:{self._port}") from None
            except BaseException:
                self._cleanup()
                raise
            # A short poll interval makes stop() quick (shutdown waits for the next poll).
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"suitetalk-emulator-{self.port}",
                daemon=True,
            )
            self._thread.start()
            logger.info("emulator: serving %s at %s", bundle.version, self.service_url)
            return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving, let requests in flight finish (up to ``timeout`` seconds), close the store."""
        with self._lock:
            server, thread, app = self._server, self._thread, self._app
            if server is None:
                return
            if app is not None:
                app.released.set()
            server.shutdown()
            if thread is not None:
                thread.join(timeout)
            server.server_close()
            if app is not None:
                app.gate.wait_for(lambda g: g.in_flight == 0, timeout)
            self._cleanup()

    def _cleanup(self) -> None:
        if self._app is not None:
            self._app.operations.async_jobs.close()
        if self._store is not None:
            self._store.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()
        if self._tls_dir is not None:
            self._tls_dir.cleanup()  # the CA file and the server's key go with it
        self._server = self._thread = self._app = self._store = self._sessions = None
        self._tempdir = self._tls_dir = self._tls = None
        self._operations = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is up."""
        return self._server is not None

    # ------------------------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        """The TCP port it listens on (chosen at start when ``port=0``)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        """The endpoint override a client uses, e.g. ``http://127.0.0.1:50123`` (``https://`` with TLS)."""
        scheme = "https" if self._settings.tls else "http"
        return f"{scheme}://{self._host}:{self.port}"

    @property
    def ca_file(self) -> Path | None:
        """With ``tls=True``: the PEM file of the CA that issued the server's certificate, for a client to
        trust (``ClientConfig(verify=emulator.ca_file)``); made at start, removed at stop. ``None``
        without TLS."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return self._tls.ca_file if self._tls is not None else None

    @property
    def service_url(self) -> str:
        """The SOAP endpoint, ``http://127.0.0.1:PORT/services/NetSuitePort_<version>``."""
        return self.base_url + service_path(self.version)

    @property
    def wsdl_url(self) -> str:
        """Where its WSDL is served, ``http://127.0.0.1:PORT/wsdl/v<version>_0/netsuite.wsdl``."""
        return self.base_url + wsdl_path(self.version)

    @property
    def version(self) -> str:
        """The endpoint version served (a bundle folder's own version when one is given)."""
        return self._bundle.version if self._bundle is not None else self._settings.version

    @property
    def account(self) -> Account:
        """The one account the emulator serves."""
        return self._settings.account

    @property
    def credentials(self) -> Credentials:
        """The credential set the emulator accepts (its own test credentials)."""
        return self._settings.accepted_credentials

    @property
    def bundle(self) -> Bundle:
        """The WSDL bundle served, with its model of record and search types."""
        if self._bundle is None:
            raise RuntimeError("the emulator is not running")
        return self._bundle

    @property
    def store(self) -> RecordStore:
        """The record store, for tests that seed or inspect data directly."""
        if self._store is None:
            raise RuntimeError("the emulator is not running")
        return self._store

    # ------------------------------------------------------------------------------------ behaviour

    @property
    def settings(self) -> EmulatorSettings:
        """The live settings. Assigning a behaviour setting takes effect at the next request and is
        validated (``emulator.settings.latency = 0.2``); identity and storage settings are frozen."""
        return self._settings

    def configure(self, **changes: Any) -> None:
        """Change several behaviour settings at once, atomically: all are validated before any applies.

        ``concurrency_limit``, ``latency``, ``latency_jitter``, the fault rates and their choices
        (``error_page_statuses``, ``error_page_after_commit``, ``redirect_statuses``...), ``seed``,
        ``timestamp_window``, ``max_body_bytes``, ``validate_references``, ``rules``, ``clock_offset``,
        ``frozen_time``, ``async_delay``, ``async_record_delay``, ``async_page_size``, ``async_job_ttl``.
        Identity and storage settings (version, schema, database, account, credentials, search_ttl) cannot
        change. Passing ``seed`` restarts the sequence of injection decisions, even with the same value.
        """
        fixed = set(changes) - _RUNTIME_FIELDS
        if fixed:
            raise ValueError(f"cannot change {', '.join(sorted(fixed))} while the emulator exists")
        updated = self._settings.model_copy()
        for name, value in changes.items():
            setattr(updated, name, value)  # validated on assignment
        if "rules" in changes and self._app is not None:
            self._app.operations.rules.check(updated.rules)  # against the schema served, before applying
        self._settings = updated
        if "seed" in changes and self._app is not None:
            self._app.injector.reseed(updated.seed)

    # ------------------------------------------------------------------------------------ failure rules

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The failure rules in force, in the order they apply (see :meth:`add_rule`)."""
        return self._settings.rules

    def add_rule(
        self,
        record_type: str,
        *,
        code: str,
        message: str,
        type: Literal["ERROR", "WARN"] = "ERROR",
        when: Mapping[str, Any] | None = None,
        operations: Sequence[RuleOperation] = DEFAULT_OPERATIONS,
    ) -> Rule:
        """Make writes of matching records fail (``type="ERROR"``) or succeed with a warning (``"WARN"``).

        >>> emulator.add_rule(                                      # doctest: +SKIP
        ...     record_type="customer",
        ...     when={"companyName": ("startsWith", "Bad")},
        ...     code="INVALID_FLD_VALUE",
        ...     message="Company names may not start with Bad.",
        ... )

        Each matching rule adds one ``statusDetail`` to the record's status, in the order rules were added;
        ``when`` conditions are search criteria on the record as stored (see :mod:`suitetalk.emulator.rules`).
        ``operations`` are among ``add``, ``update``, ``upsert`` (the default) and ``delete``. A rule that
        cannot apply to the schema served (unknown type, field, code or operator) raises ``ValueError``.
        """
        rule = Rule(
            record_type=record_type,
            code=code,
            message=message,
            type=type,
            when=dict(when or {}),
            operations=tuple(operations),
        )
        with self._lock:
            self.configure(rules=(*self._settings.rules, rule))
        return rule

    def clear_rules(self) -> None:
        """Remove every failure rule."""
        self.configure(rules=())

    # ------------------------------------------------------------------------------------ for tests

    @property
    def stats(self) -> Stats:
        """A snapshot of the counters (requests, rejections, injected faults...)."""
        app = self._require_app()
        with app._stats_lock:  # the tables must not change while they are copied
            snapshot = app.stats.copy()
        snapshot.rejected = app.gate.rejected
        return snapshot

    @property
    def in_flight(self) -> int:
        """SOAP requests admitted and not yet answered."""
        return self._require_app().gate.in_flight

    @property
    def max_in_flight(self) -> int:
        """The most requests seen executing at once since start or :meth:`reset_stats`."""
        return self._require_app().gate.max_in_flight

    def reset_stats(self) -> None:
        """Zero the counters of :attr:`stats` and :attr:`max_in_flight` (records are kept)."""
        app = self._require_app()
        with app._stats_lock:
            app.stats = Stats()
        app.gate.reset_counters()

    def wait_for(self, predicate: Callable[[Emulator], bool], timeout: float = 10.0) -> bool:
        """Wait until ``predicate(self)`` holds; re-checked whenever a request enters or leaves."""
        deadline = time.monotonic() + timeout
        gate = self._require_app().gate
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            gate.wait_for(lambda _: predicate(self), min(remaining, 0.05))
        return True

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep admitted requests waiting (in flight) until the ``with`` block ends.

        Lets a test put exactly as many requests in flight as it wants before any finishes, with no
        timing assumptions.
        """
        app = self._require_app()
        app.released.clear()
        try:
            yield
        finally:
            app.released.set()

    def expire_searches(self) -> None:
        """Make every search id expire now, as 15 minutes would."""
        if self._sessions is None:
            raise RuntimeError("the emulator is not running")
        self._sessions.expire_all()

    def expire_async_jobs(self) -> None:
        """Make every asynchronous job id expire now, as ``async_job_ttl`` would."""
        self._require_app().operations.async_jobs.expire_all()

    # ------------------------------------------------------------------------ lists and saved searches

    def add_list_value(
        self,
        list_type: str,
        name: str,
        *,
        internal_id: str | int | None = None,
        external_id: str | None = None,
    ) -> str:
        """Add a value to a list the emulator keeps beside records; returns its internal id.

        ``list_type`` is a standard list (``"subsidiary"``, ``"currency"``, ``"term"``, ``"department"``,
        ``"location"``, ``"priceLevel"``, ``"classification"``, ``"customerStatus"``; each starts with a
        seeded set, see :data:`suitetalk.emulator.lists.STANDARD_LISTS`) or a custom list's script id
        (``"customlist_colour"``, created by its first value). References to the value are then accepted,
        named (``RecordRef/name``) and listed by ``getSelectValue``. Without ``internal_id`` the next free
        number is used; a taken internal or external id raises :class:`~suitetalk.errors.InputError`
        (a ``ValueError``).
        """
        return (
            self._require_operations()
            .lists.add_value(list_type, name, internal_id=internal_id, external_id=external_id)
            .internal_id
        )

    def list_values(self, list_type: str) -> list[tuple[str, str]]:
        """The values of a list as ``(internal id, name)`` pairs, in the order they were added."""
        return [(v.internal_id, v.name) for v in self._require_operations().lists.values(list_type)]

    def custom_list_id(self, script_id: str) -> str | None:
        """The internal id of a custom list (the ``typeId`` of its values), once it has a value."""
        return self._require_operations().lists.custom_list_id(script_id)

    def define_saved_search(
        self,
        record_type: str,
        *,
        script_id: str,
        criteria: Mapping[str, Any] | None = None,
        columns: Sequence[str] = (),
        internal_id: int | None = None,
        title: str | None = None,
    ) -> str:
        """Define a saved search that ``search`` runs by internal id or script id; returns the internal id.

        ``record_type`` names the advanced search (``"customer"``, ``"transaction"``, ``"item"``...);
        ``criteria`` and ``columns`` use the client's concise form, with ``join.field`` for joined fields::

            emulator.define_saved_search(
                "customer", script_id="customsearch_vip",
                criteria={"isInactive": False, "contactJoin.email": ("contains", "@")},
                columns=["entityId", "contactJoin.email"],
            )

        Redefining a script id replaces its definition and keeps its internal id. See
        :mod:`suitetalk.emulator.saved_searches` for the value forms; bad names raise
        :class:`~suitetalk.errors.InputError` (a ``ValueError``).
        """
        return (
            self._require_operations()
            .saved_searches.define(
                record_type,
                script_id=script_id,
                criteria=criteria,
                columns=columns,
                internal_id=internal_id,
                title=title,
            )
            .internal_id
        )

    def _require_operations(self) -> Operations:
        if self._operations is None:
            raise RuntimeError("the emulator is not running")
        return self._operations

    def _require_app(self) -> EmulatorApp:
        if self._app is None:
            raise RuntimeError("the emulator is not running")
        return self._app


def _explicit(settings: EmulatorSettings) -> dict[str, Any]:
    """The settings given explicitly, plus the credentials (so generated ones are kept)."""
    values = {name: getattr(settings, name) for name in settings.model_fields_set}
    values["credentials"] = settings.credentials
    return values


def _validated_types() -> tuple[str, ...]:
    from .schema import COVERED_RECORD_TYPES

    return tuple(COVERED_RECORD_TYPES)
