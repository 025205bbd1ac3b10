"""One concurrency budget for every process and machine of an account, kept in Redis.

NetSuite's limit belongs to the account: a sync that fans out over processes (cron, Celery, RQ, Airflow,
Kubernetes jobs) must share one budget, or its workers reject each other. :class:`RedisLimiter` keeps it in
Redis (``pip install "suitetalk[redis]"``) under a key per account (and per integration when NetSuite says
the integration's limit is its own):

- a slot is a *lease*: a member of a sorted set scored by its expiry, renewed by a background thread while
  the request is in flight, so that a worker killed with SIGKILL gives its slots back within the lease's
  time to live (``lease_ttl``, 30 s by default);
- waiting is first come, first served: a request that finds no free slot joins a queue; whoever frees a
  slot grants it to the head of the queue, in the same Lua script, and wakes that waiter through a list it
  blocks on (``BLPOP``), so nobody polls; a waiter's heartbeat (a third of the lease's time) keeps its
  place and picks up slots freed by leases that expired;
- acquiring, releasing and granting are Lua scripts, atomic in Redis; time is Redis's own clock, so the
  machines' clocks do not matter;
- the adaptive state (limit, the level rejected, probes; :class:`~suitetalk.limiter.AdaptivePolicy`) is a
  hash updated with optimistic transactions, so one worker's rejection slows all of them, and a limit
  discovered by one is the limit of all.

Redis lost while running: requests wait (none is sent over a budget nobody can see) and the limiter
reconnects for up to ``redis_timeout`` seconds (30 by default), then raises
:class:`~suitetalk.errors.LimiterUnavailableError`. With ``fallback=local`` in the URL it instead logs a
WARNING and limits each process on its own from then on (workers may then exceed the account's limit
together; their rejections are retried). A Redis that restarts without its data forgets the leases held
then: each process puts its own back at its next call to Redis (reconnecting), or at its next renewal at
the latest; until then, another process may start requests those leases would have held back.

The URL: ``redis://[:password@]host[:port][/db]`` or ``rediss://`` for TLS, with optional query parameters
``lease_ttl``, ``redis_timeout`` (seconds) and ``fallback=local``. A password not in the URL is taken from
``SUITETALK_LIMITER_PASSWORD``. The password never appears in logs, ``repr`` or errors.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .config import redact_url
from .errors import LimiterError, LimiterUnavailableError
from .limiter import AdaptiveLimiter, AdaptivePolicy, AdaptiveState, LimiterStatus, check_limit

__all__ = ["PASSWORD_ENV_VAR", "LimiterUrl", "RedisLimiter"]

_LOG = logging.getLogger("suitetalk.limiter")
T = TypeVar("T")

#: Where the Redis password comes from when the URL has none.
PASSWORD_ENV_VAR = "SUITETALK_LIMITER_PASSWORD"  # noqa: S105 -- a variable name, not a password
#: Idle keys (the adaptive state, the queue's counter) are forgotten after a day.
_STATE_TTL_MS = 24 * 3600 * 1000


# -- the URL ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimiterUrl:
    """A parsed limiter URL: where Redis is, how to reach it, and the limiter's own options."""

    redis_url: str
    """The URL handed to redis-py (password included, never shown)."""
    display: str
    """The URL without its password, for messages."""
    lease_ttl: float = 30.0
    redis_timeout: float = 30.0
    fallback_local: bool = False

    @classmethod
    def parse(cls, url: str, environ: Mapping[str, str] | None = None) -> LimiterUrl:
        """Parse and check ``url``; raises :class:`LimiterError` saying what is wrong (never the password)."""
        env = os.environ if environ is None else environ
        parts = urlsplit(url.strip())
        display = redact_url(url)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise LimiterError(
                f"limiter URL {display!r} is not a Redis URL; expected redis://host:port/db "
                "(or rediss:// for TLS), e.g. redis://localhost:6379/0"
            )
        options: dict[str, str] = {}
        passed: list[tuple[str, str]] = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key in ("lease_ttl", "redis_timeout", "fallback"):
                options[key] = value
            else:
                passed.append((key, value))  # redis-py's own options (socket_timeout, ssl_cert_reqs...)
        netloc = parts.netloc
        if parts.password is None and env.get(PASSWORD_ENV_VAR):
            host = netloc.rsplit("@", 1)[-1]
            user = parts.username or ""
            netloc = f"{user}:{_quote(env[PASSWORD_ENV_VAR])}@{host}"
        redis_url = urlunsplit((parts.scheme, netloc, parts.path, urlencode(passed), ""))
        try:
            lease_ttl = float(options.get("lease_ttl", 30.0))
            redis_timeout = float(options.get("redis_timeout", 30.0))
        except ValueError:
            raise LimiterError(
                f"limiter URL {display!r}: lease_ttl and redis_timeout must be numbers of seconds"
            ) from None
        if lease_ttl < 0.5 or redis_timeout <= 0:
            raise LimiterError(
                f"limiter URL {display!r}: lease_ttl must be at least 0.5 s and redis_timeout above 0"
            )
        fallback = options.get("fallback", "")
        if fallback not in ("", "local", "none"):
            raise LimiterError(f"limiter URL {display!r}: fallback must be 'local' or 'none'")
        return cls(redis_url, display, lease_ttl, redis_timeout, fallback == "local")


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def budget_key(account: str, integration: str | None = None) -> str:
    """The Redis key prefix of a budget: the account's, or an integration's own (its id hashed)."""
    scope = account if integration is None else f"{account}:{_digest(integration)}"
    # The braces are a Redis Cluster hash tag: every key of one budget lands on the same node.
    return f"suitetalk:limiter:{{{scope}}}:"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- the scripts ------------------------------------------------------------------------------------------

# KEYS: leases, queue, waiters, state, seq.  ARGV[1]: key prefix, ARGV[2]: lease ms, ARGV[3]: the state to
# create when none exists ("limit=5 max_limit=5 ..."), ARGV[4]: the script's own argument.
_PRELUDE = """
local leases, queue, waiters, state, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prefix, ttl = ARGV[1], tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', state) == 0 then
  for field, value in string.gmatch(ARGV[3], '([%w_]+)=(%-?%d+)') do
    redis.call('HSET', state, field, value)
  end
  redis.call('PEXPIRE', state, STATE_TTL)
end
-- Leases and waiters whose owners stopped renewing them (killed, cut off) are gone.
redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
local dead = redis.call('ZRANGEBYSCORE', waiters, '-inf', now)
for _, ticket in ipairs(dead) do redis.call('ZREM', queue, ticket) end
redis.call('ZREMRANGEBYSCORE', waiters, '-inf', now)
local limit = tonumber(redis.call('HGET', state, 'limit'))
local generation = redis.call('HGET', state, 'generation')
-- Free slots go to the head of the queue, in order; each granted waiter is woken through its own list.
local function grant()
  local used = redis.call('ZCARD', leases)
  while used < limit do
    local head = redis.call('ZRANGE', queue, 0, 0)[1]
    if not head then break end
    redis.call('ZREM', queue, head)
    if redis.call('ZREM', waiters, head) == 1 then
      redis.call('ZADD', leases, now + ttl, head)
      used = used + 1
      local wake = prefix .. 'wake:' .. head
      redis.call('RPUSH', wake, generation .. ':' .. used)
      redis.call('PEXPIRE', wake, ttl)
    end
  end
  return used
end
""".replace("STATE_TTL", str(_STATE_TTL_MS))

# ARGV[4]: the ticket. Returns {granted 0/1, generation, slots in use, limit}.
_ACQUIRE = (
    _PRELUDE
    + """
local ticket = ARGV[4]
local used = grant()
if redis.call('ZSCORE', leases, ticket) then
  redis.call('DEL', prefix .. 'wake:' .. ticket)
  redis.call('ZADD', leases, now + ttl, ticket)
  return {1, generation, used, limit}
end
if redis.call('ZSCORE', waiters, ticket) then
  redis.call('ZADD', waiters, now + ttl, ticket)
  return {0, generation, used, limit}
end
if redis.call('ZCARD', queue) == 0 and used < limit then
  redis.call('ZADD', leases, now + ttl, ticket)
  return {1, generation, used + 1, limit}
end
redis.call('ZADD', queue, redis.call('INCR', seq), ticket)
redis.call('PEXPIRE', seq, STATE_TTL)
redis.call('ZADD', waiters, now + ttl, ticket)
return {0, generation, used, limit}
""".replace("STATE_TTL", str(_STATE_TTL_MS))
)

# ARGV[4]: the ticket. Gives back its slot (or its place in the queue) and grants what is free.
_RELEASE = (
    _PRELUDE
    + """
local ticket = ARGV[4]
redis.call('ZREM', leases, ticket)
redis.call('ZREM', queue, ticket)
redis.call('ZREM', waiters, ticket)
redis.call('DEL', prefix .. 'wake:' .. ticket)
return grant()
"""
)

# ARGV[4]: tickets joined by spaces. Renews (or, after a restart of Redis, restores) leases held.
_RENEW = (
    _PRELUDE
    + """
local restored = 0
for ticket in string.gmatch(ARGV[4], '%S+') do
  restored = restored + redis.call('ZADD', leases, now + ttl, ticket)
end
grant()
return restored
"""
)

# Grants what a raised limit freed; returns {slots in use, waiting}.
_STATUS = (
    _PRELUDE
    + """
local used = grant()
return {used, redis.call('ZCARD', waiters)}
"""
)


# -- the limiter ------------------------------------------------------------------------------------------


class RedisSlot:
    """A lease on one slot of the shared budget; report the request's outcome on it."""

    __slots__ = ("_limiter", "_reported", "generation", "level")

    def __init__(self, limiter: RedisLimiter, generation: int, level: int) -> None:
        self._limiter = limiter
        self._reported = False
        self.generation = generation
        self.level = level

    def succeeded(self) -> None:
        """NetSuite served the request."""
        if not self._reported:
            self._reported = True
            self._limiter._report(lambda p, s: p.on_success(s, self.generation, self.level))

    def rejected(self) -> None:
        """NetSuite refused the request for concurrency: slows every worker sharing the budget."""
        if not self._reported:
            self._reported = True
            self._limiter._report(self._rejection)

    def _rejection(self, policy: AdaptivePolicy, state: AdaptiveState) -> bool:
        policy.on_rejection(state, self.generation)
        return False


class RedisLimiter:
    """A :class:`~suitetalk.limiter.Limiter` whose budget and adaptive state live in Redis.

    ``limit`` is this process's start value; ``known`` says whether it is a known limit (configured) to
    publish to the shared state, rather than a default that a limit discovered by any worker overrides.
    Raises :class:`~suitetalk.errors.LimiterUnavailableError` when Redis cannot be reached (unless the
    URL asks for ``fallback=local``) and :class:`~suitetalk.errors.LimiterError` when ``redis`` is missing.
    """

    def __init__(
        self,
        url: str | LimiterUrl,
        account: str,
        *,
        limit: int = 5,
        known: bool = False,
        policy: AdaptivePolicy | None = None,
    ) -> None:
        check_limit(limit)
        self._url = url if isinstance(url, LimiterUrl) else LimiterUrl.parse(url)
        self._policy = policy or AdaptivePolicy()
        self._account = account
        self._prefix = budget_key(account)
        self._initial = self._policy.new_state(limit)
        self._snapshot = AdaptiveState.from_mapping(self._initial.to_mapping())
        self._lock = threading.Lock()  # guards the held tickets, the snapshot and the local counters
        self._renewing = threading.Lock()  # a release waits for a renewal in progress (no lease revived)
        self._changed = threading.Condition(self._lock)
        self._held: set[str] = set()
        self._peak = 0
        self._waiting = 0
        self._tickets = itertools.count()
        self._process = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._local: AdaptiveLimiter | None = None
        self._closed = False
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError:
            raise LimiterError(
                f"the limiter URL {self._url.display!r} needs the redis package: "
                'pip install "suitetalk[redis]"'
            ) from None
        self._errors: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError)
        self._redis_errors: tuple[type[Exception], ...] = (redis.RedisError,)
        self._heartbeat = max(0.2, self._url.lease_ttl / 3)
        try:
            self._redis = redis.Redis.from_url(
                self._url.redis_url,
                socket_connect_timeout=5.0,
                # Longer than a waiter's BLPOP, which blocks for a heartbeat.
                socket_timeout=self._heartbeat + 10.0,
                retry=Retry(NoBackoff(), 0),  # this class decides how long to wait for Redis
                decode_responses=True,
            )
        except ValueError as exc:
            raise LimiterError(f"limiter URL {self._url.display!r}: {exc}") from None
        self._scripts = {
            name: self._redis.register_script(body)
            for name, body in (
                ("acquire", _ACQUIRE),
                ("release", _RELEASE),
                ("renew", _RENEW),
                ("status", _STATUS),
            )
        }
        try:
            self._redis.ping()
        except redis.AuthenticationError:
            raise LimiterUnavailableError(
                f"the shared concurrency limiter at {self._url.display} refused the password, or needs "
                f"one (give it in the URL or in {PASSWORD_ENV_VAR})"
            ) from None
        except self._errors as exc:
            if not self._url.fallback_local:
                raise LimiterUnavailableError(
                    f"cannot reach the shared concurrency limiter at {self._url.display} "
                    f"({type(exc).__name__}); start Redis there, fix limiter_url "
                    "(or SUITETALK_LIMITER_URL), or add ?fallback=local to limit each process on its own"
                ) from None
            self._fall_back(f"cannot reach {self._url.display} ({type(exc).__name__})")
            return
        except redis.RedisError as exc:
            raise LimiterError(
                f"the shared concurrency limiter at {self._url.display} failed: {type(exc).__name__}: {exc}"
            ) from None
        if known:
            self.limit = limit
        else:
            self._status()

    # -- state -------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The Redis URL without its password."""
        return self._url.display

    @property
    def key(self) -> str:
        """The prefix of this budget's keys in Redis."""
        return self._prefix

    @property
    def fallen_back(self) -> bool:
        """Whether this process limits itself alone now (``fallback=local`` after Redis was lost)."""
        return self._local is not None

    @property
    def limit(self) -> int:
        """The shared effective limit, as last seen by this process."""
        return self._local.limit if self._local is not None else self._snapshot.limit

    @limit.setter
    def limit(self, value: int) -> None:
        """Publish a known limit to every worker. The same limit again changes nothing (what the workers
        learnt is kept); a different one replaces it and forgets what was learnt."""
        check_limit(value)
        if self._local is not None:
            self._local.limit = value
            return

        def publish(policy: AdaptivePolicy, state: AdaptiveState) -> bool:
            if state.max_limit == value:
                return False
            policy.set_limit(state, value)
            return True

        self._initial = self._policy.new_state(value)
        self._report(publish, strict=True)

    @property
    def max_limit(self) -> int:
        return self._local.max_limit if self._local is not None else self._snapshot.max_limit

    @property
    def ceiling(self) -> int | None:
        return self._local.ceiling if self._local is not None else self._snapshot.ceiling

    @property
    def in_flight(self) -> int:
        """Requests of this process holding a slot now."""
        return len(self._held) + (self._local.in_flight if self._local is not None else 0)

    @property
    def waiting(self) -> int:
        """Requests of this process waiting for a slot now."""
        return self._waiting

    @property
    def peak_in_flight(self) -> int:
        """The most requests of this process in flight at once."""
        return self._peak

    @property
    def rejections(self) -> int:
        """Concurrency rejections reported by all the workers sharing the budget (as last seen)."""
        return self._snapshot.rejections + (self._local.rejections if self._local is not None else 0)

    def use_integration_budget(self, integration: str) -> None:
        """Count against the integration's own budget (its id, hashed, joins the key)."""
        with self._lock:
            if self._held:
                raise RuntimeError("the budget cannot change while slots are held")
            self._prefix = budget_key(self._account, integration)

    def status(self) -> LimiterStatus:
        """The shared budget now: slots in use and waiting across every worker."""
        if self._local is not None:
            local = self._local.status()
            return LimiterStatus(
                "redis (fallen back to in-process)",
                self._url.display,
                self._prefix,
                local.limit,
                local.max_limit,
                local.ceiling,
                local.slots_in_use,
                local.waiting,
                local.rejections,
            )
        used, waiting = self._status()
        state = self._snapshot
        return LimiterStatus(
            "redis",
            self._url.display,
            self._prefix,
            state.limit,
            state.max_limit,
            state.ceiling,
            used,
            waiting,
            state.rejections,
        )

    def close(self) -> None:
        """Stop renewing leases and close the connections. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(5.0)
        if hasattr(self, "_redis"):
            self._redis.close()

    def __repr__(self) -> str:
        return (
            f"RedisLimiter(url={self._url.display!r}, key={self._prefix!r}, limit={self.limit}, "
            f"in_flight={self.in_flight})"
        )

    # -- use ---------------------------------------------------------------------------------------------

    @contextmanager
    def slot(self) -> Iterator[Any]:
        """Wait (first come, first served, across every worker) for a slot; hold it for the block."""
        if self._local is not None:
            with self._local.slot() as local_slot:
                yield local_slot
            return
        ticket = f"{self._process}:{next(self._tickets)}"
        with self._lock:
            self._waiting += 1
            self._changed.notify_all()
        try:
            try:
                granted = self._wait_for_slot(ticket)
            except BaseException:
                self._forget(ticket)
                raise
        finally:
            with self._lock:
                self._waiting -= 1
                self._changed.notify_all()
        if granted is None:  # Redis was lost and the limiter fell back to local limiting meanwhile
            assert self._local is not None
            with self._local.slot() as local_slot:
                yield local_slot
            return
        generation, level = granted
        with self._lock:
            self._held.add(ticket)
            self._peak = max(self._peak, len(self._held))
            self._changed.notify_all()
        self._ensure_renewer()
        try:
            yield RedisSlot(self, generation, level)
        finally:
            with self._renewing, self._lock:
                self._held.discard(ticket)
                self._changed.notify_all()
            self._forget(ticket)

    def wait_until(self, predicate: Callable[[Any], bool], timeout: float) -> bool:
        """Block until ``predicate(self)`` holds or ``timeout`` passes (for tests and benchmarks).

        Changes made by other processes are seen within 50 ms.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                self._lock.release()
                try:
                    held = predicate(self)
                finally:
                    self._lock.acquire()
                if held:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.05))

    # -- internals ---------------------------------------------------------------------------------------

    def _keys(self) -> list[str]:
        p = self._prefix
        return [f"{p}leases", f"{p}queue", f"{p}waiters", f"{p}state", f"{p}seq"]

    def _run(self, name: str, argument: str = "") -> Any:
        init = " ".join(f"{field}={value}" for field, value in self._initial.to_mapping().items())
        args: list[str | int] = [self._prefix, int(self._url.lease_ttl * 1000), init, argument]
        return self._scripts[name](keys=self._keys(), args=args)

    def _wait_for_slot(self, ticket: str) -> tuple[int, int] | None:
        """(generation, slots in use) once granted; ``None`` if the limiter fell back meanwhile."""
        reply = self._redis_call(lambda: self._run("acquire", ticket))
        if reply is None:
            return None
        wake = self._prefix + "wake:" + ticket
        while not int(reply[0]):
            self._note_limit(int(reply[3]))
            woken = self._redis_call(partial(self._redis.blpop, [wake], timeout=self._heartbeat))
            if self._local is not None:
                return None
            if woken:
                generation, level = str(woken[1]).split(":")
                return int(generation), int(level)
            # A heartbeat: keeps the place in the queue, and takes a slot freed by an expired lease.
            reply = self._redis_call(lambda: self._run("acquire", ticket))
            if reply is None:
                return None
        self._note_limit(int(reply[3]))
        return int(reply[1]), int(reply[2])

    def _forget(self, ticket: str) -> None:
        """Give back a slot or a place in the queue; failing that, its lease expires on its own."""
        if self._local is not None:
            return
        try:
            self._run("release", ticket)
        except self._redis_errors:
            _LOG.warning(
                "could not give a slot back to the shared limiter at %s; it frees itself within %.0f s",
                self._url.display,
                self._url.lease_ttl,
            )

    def _note_limit(self, limit: int) -> None:
        with self._lock:
            if limit != self._snapshot.limit:
                self._snapshot.limit = limit
                self._changed.notify_all()

    def _status(self) -> tuple[int, int]:
        reply = self._redis_call(lambda: self._run("status"))
        raw = self._redis_call(lambda: self._redis.hgetall(self._prefix + "state"))
        if reply is None or not raw:
            return (0, 0)
        with self._lock:
            self._snapshot = _state_of(raw)
            self._changed.notify_all()
        return int(reply[0]), int(reply[1])

    def _report(
        self, change: Callable[[AdaptivePolicy, AdaptiveState], bool], *, strict: bool = False
    ) -> None:
        """Apply ``change`` to the shared state in an optimistic transaction; grant what a raise freed.

        A report that cannot reach Redis is dropped (the state only guides; the budget is in the leases),
        unless ``strict``.
        """
        import redis

        def transaction() -> bool:
            key = self._prefix + "state"
            with self._redis.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(key)  # type: ignore[no-untyped-call]
                        raw = pipe.hgetall(key)
                        state = (
                            _state_of(raw) if raw else AdaptiveState.from_mapping(self._initial.to_mapping())
                        )
                        raised = change(self._policy, state)
                        pipe.multi()
                        pipe.hset(key, mapping=state.to_mapping())  # type: ignore[arg-type]
                        pipe.pexpire(key, _STATE_TTL_MS)
                        pipe.execute()
                    except redis.WatchError:
                        continue
                    with self._lock:
                        self._snapshot = state
                        self._changed.notify_all()
                    return raised

        raised = self._redis_call(transaction) if strict else self._once(transaction)
        if raised is True:
            self._once(lambda: self._run("status"))

    def _once(self, call: Callable[[], T]) -> T | None:
        try:
            return call()
        except self._redis_errors:
            _LOG.info("the shared limiter at %s did not answer a report; dropped", self._url.display)
            return None

    def _redis_call(self, call: Callable[[], T]) -> T | None:
        """``call()``, retried while Redis is unreachable for up to ``redis_timeout``; then typed failure
        (or ``None`` after falling back to local limiting)."""
        deadline = time.monotonic() + self._url.redis_timeout
        delay = 0.05
        lost = False
        while True:
            if self._local is not None:
                return None
            try:
                result = call()
            except self._errors as exc:
                if not lost:
                    lost = True
                    _LOG.warning(
                        "lost the shared limiter at %s (%s); waiting up to %.0f s for it",
                        self._url.display,
                        type(exc).__name__,
                        self._url.redis_timeout,
                    )
                if time.monotonic() + delay > deadline:
                    if self._url.fallback_local:
                        self._fall_back(f"lost {self._url.display} for {self._url.redis_timeout:.0f} s")
                        return None
                    raise LimiterUnavailableError(
                        f"lost the shared concurrency limiter at {self._url.display} for more than "
                        f"{self._url.redis_timeout:.0f} s; no request was sent meanwhile"
                    ) from None
                self._stop.wait(delay)
                delay = min(delay * 2, 1.0)
                continue
            except self._redis_errors as exc:
                raise LimiterError(
                    f"the shared concurrency limiter at {self._url.display} failed: "
                    f"{type(exc).__name__}: {exc}"
                ) from None
            if lost:
                _LOG.warning("the shared limiter at %s is back", self._url.display)
                # A restarted Redis forgot the leases held: count them again first (or the renewer will).
                with suppress(*self._errors):
                    self._renew()
            return result

    def _fall_back(self, why: str) -> None:
        with self._lock:
            if self._local is None:
                self._local = AdaptiveLimiter(
                    self._snapshot.max_limit,
                    decrease_factor=self._policy.decrease_factor,
                    increase_after=self._policy.increase_after,
                    probe_after=self._policy.probe_after,
                    max_probe_after=self._policy.max_probe_after,
                )
                _LOG.warning(
                    "%s: falling back to limiting this process alone (fallback=local); processes sharing "
                    "the account may now exceed its concurrency limit together",
                    why,
                )
            self._changed.notify_all()

    def _ensure_renewer(self) -> None:
        with self._lock:
            if self._renewer is not None or self._closed:
                return
            self._renewer = threading.Thread(
                target=self._renew_loop, name="suitetalk-lease-renewer", daemon=True
            )
            self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self._heartbeat):
            try:
                self._renew()
            except self._errors:
                _LOG.info("could not renew leases at %s; retrying", self._url.display)
            except Exception:  # a renewer that dies would let leases lapse under running requests
                _LOG.exception("lease renewal failed")

    def _renew(self) -> None:
        with self._renewing:
            with self._lock:
                tickets = " ".join(sorted(self._held))
            if not tickets or self._local is not None:
                return
            restored = self._run("renew", tickets)
        if restored:
            _LOG.warning("restored %d lease(s) the shared limiter had lost", restored)


def _state_of(raw: Mapping[Any, Any]) -> AdaptiveState:
    fields = ("limit", "max_limit", "probe_after", "ceiling", "successes", "confirmations", "probed")
    values = {name: int(raw.get(name, 0)) for name in (*fields, "generation", "rejections")}
    return AdaptiveState.from_mapping(values)
