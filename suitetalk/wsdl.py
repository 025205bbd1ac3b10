"""The WSDL cache, and the zeep client factory with hardened settings.

NetSuite's WSDL of one version is about 45 files and 2.7 MB. :class:`WsdlCache` fetches it once (from its
URL, or copies it from a folder), rewrites every reference to a relative path, and stores it per version::

    <root>/2023_2/netsuite.wsdl
    <root>/2023_2/xsd/...            the schemas, in the source's own layout
    <root>/2023_2/manifest.json      version, source, fetched-at, each file's path, size and SHA-256

A bundle is built in a temporary folder inside the root and renamed into place, so a reader sees a whole
bundle or none, and two processes fetching at once both end with the same good bundle. Loading checks every
file against the manifest and never half-uses a damaged bundle; :meth:`WsdlCache.ensure` fetches it again.

:func:`make_zeep_client` then builds a zeep client from a local WSDL with no network at all, and binds
NetSuite's binding to the account's own service URL (the ``soap:address`` inside the WSDL is never used).
"""

from __future__ import annotations

import builtins
import hashlib
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.auth
import requests.utils
import zeep
from lxml import etree
from urllib3.util.retry import Retry
from zeep.exceptions import ExternalReferenceForbidden, XMLParseError
from zeep.proxy import ServiceProxy
from zeep.utils import get_media_type

from .errors import InputError, LostResponse
from .namespaces import VERSION_RE, check_version, wsdl_tns
from .wsdl_fetch import (
    DEFAULT_FETCH_TIMEOUT,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_FILES,
    WSDL_NAME,
    BundleError,
    DirectLoopbackAdapter,
    FetchError,
    Limits,
    crawl,
)

__all__ = [
    "CACHE_ENV",
    "BundleError",
    "BundleFile",
    "BundleInfo",
    "BundleNotFoundError",
    "CorruptBundleError",
    "FetchError",
    "RemoteReferenceError",
    "WsdlCache",
    "default_cache_dir",
    "make_session",
    "make_zeep_client",
    "zeep_settings",
]

log = logging.getLogger(__name__)

#: Environment variable naming the cache root when none is passed explicitly.
CACHE_ENV = "SUITETALK_WSDL_CACHE"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1

DEFAULT_CONNECT_TIMEOUT = 10.0
#: NetSuite ends requests that run for 15 minutes; wait that long before giving up on a response.
DEFAULT_READ_TIMEOUT = 900.0
#: The largest answer read by default (see ClientConfig.max_response_bytes).
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024

# Leftovers of a process that died mid-fetch are swept once they are this old; a live fetch is far quicker.
_STALE_SECONDS = 3600.0
_INSTALL_ATTEMPTS = 5
_TMP_PREFIX = ".tmp-"
_OLD_PREFIX = ".old-"


class BundleNotFoundError(BundleError):
    """The version is not in the cache (or a WSDL path does not exist)."""


class CorruptBundleError(BundleError):
    """A cached bundle fails verification; ``file`` is the first bad file found."""

    def __init__(self, message: str, *, version: str, file: Path) -> None:
        super().__init__(message)
        self.version = version
        self.file = file


class RemoteReferenceError(BundleError):
    """A WSDL given to :func:`make_zeep_client` references a remote document, which is never fetched."""


@dataclass(frozen=True)
class BundleFile:
    """One file of a bundle as the manifest records it."""

    path: str
    """Relative to the bundle folder, ``/``-separated."""
    size: int
    sha256: str
    url: str
    """Where it was fetched or copied from."""
    references: tuple[str, ...] = ()
    """Bundle paths of the files it references."""


@dataclass(frozen=True)
class BundleInfo:
    """What the manifest says about a cached bundle."""

    version: str
    path: Path
    """The bundle's ``netsuite.wsdl``: pass it to :func:`make_zeep_client`."""
    source: str
    fetched_at: datetime
    files: tuple[BundleFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def default_cache_dir() -> Path:
    """Where bundles go when neither an argument nor ``SUITETALK_WSDL_CACHE`` says otherwise.

    ``%LOCALAPPDATA%\\suitetalk\\wsdl`` on Windows; elsewhere ``$XDG_CACHE_HOME/suitetalk/wsdl``, or
    ``~/.cache/suitetalk/wsdl`` when that is unset or not absolute (as the XDG spec asks). Never inside the
    installed package or a checkout, which may be read-only or shared.
    """
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "suitetalk" / "wsdl"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base_dir = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base_dir / "suitetalk" / "wsdl"


def _resolve_root(root: Path | str | None) -> Path:
    if root is None or root == "":
        root = os.environ.get(CACHE_ENV) or default_cache_dir()
    return Path(root).expanduser().absolute()


class WsdlCache:
    """Versioned, verified WSDL bundles under one root folder.

    The root is ``root`` if given, else ``$SUITETALK_WSDL_CACHE``, else :func:`default_cache_dir`.
    ``max_files`` and ``max_bytes`` bound what one fetch may store.
    """

    def __init__(
        self,
        root: Path | str | None = None,
        *,
        max_files: int = DEFAULT_MAX_FILES,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.root: Path = _resolve_root(root)
        self.limits = Limits(max_files=max_files, max_bytes=max_bytes)
        # The last verification of each version by this instance (derived files are read against it).
        self._verified: dict[str, BundleInfo] = {}

    def __repr__(self) -> str:
        return f"WsdlCache(root={str(self.root)!r})"

    def bundle_dir(self, version: str) -> Path:
        """The folder of ``version``'s bundle."""
        return self.root / check_version(version)

    def wsdl_path(self, version: str) -> Path:
        """Where ``version``'s ``netsuite.wsdl`` is (or would be) stored."""
        return self.bundle_dir(version) / WSDL_NAME

    def verify(self, version: str) -> BundleInfo:
        """Check ``version``'s bundle file by file against its manifest and describe it.

        Raises :class:`BundleNotFoundError` if it is not cached, :class:`CorruptBundleError` naming the
        first bad file if any file is missing, resized or changed, or references a file not in the bundle.
        """
        info = _verify(self.bundle_dir(version), version)
        self._verified[version] = info
        return info

    def load(self, version: str) -> Path:
        """The verified path of ``version``'s ``netsuite.wsdl``; never touches the network."""
        return self.verify(version).path

    def fetch(
        self,
        version: str,
        source: str | Path | None = None,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_FETCH_TIMEOUT,
    ) -> Path:
        """Fetch ``version``'s bundle and store it, replacing a cached copy that differs.

        ``source`` is an ``http(s)`` URL of the WSDL (default: NetSuite's published URL for the version),
        a folder holding ``netsuite.wsdl`` (copied, with no network), or the ``.wsdl`` file itself.
        Returns the verified path of the stored ``netsuite.wsdl``. Raises :class:`FetchError` if a document
        is unreachable, not XML, has a DTD, or the bundle exceeds the cache's limits; nothing is stored then.
        """
        check_version(version)
        if source is None:
            from .endpoints import wsdl_url  # here, so that loading a bundle never imports the config layer

            source = wsdl_url(version)
        documents = crawl(source, version=version, session=session, timeout=timeout, limits=self.limits)
        files = tuple(
            BundleFile(
                path=doc.path,
                size=len(doc.content),
                sha256=hashlib.sha256(doc.content).hexdigest(),
                url=doc.url,
                references=doc.references,
            )
            for doc in documents
        )
        manifest = {
            "format": MANIFEST_FORMAT,
            "version": version,
            "source": _describe(source),
            "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "files": [
                {
                    "path": f.path,
                    "size": f.size,
                    "sha256": f.sha256,
                    "url": f.url,
                    "references": list(f.references),
                }
                for f in files
            ],
        }
        self.root.mkdir(parents=True, exist_ok=True)
        self._sweep_stale()
        tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{version}-", dir=self.root))
        try:
            for doc in documents:
                target = tmp.joinpath(*PurePosixPath(doc.path).parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(doc.content)
            # Written last: a folder without a manifest is never mistaken for a bundle.
            (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            self._install(tmp, version, files)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        log.info("cached WSDL bundle %s from %s in %s", version, source, self.bundle_dir(version))
        return self.load(version)

    def ensure(
        self,
        version: str,
        source: str | Path | None = None,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_FETCH_TIMEOUT,
    ) -> Path:
        """:meth:`load` the bundle; fetch it if it is not cached, and fetch it again if it is damaged."""
        try:
            return self.load(version)
        except BundleNotFoundError:
            log.info("WSDL bundle %s is not cached in %s: fetching it", version, self.root)
        except CorruptBundleError as exc:
            log.warning("%s: fetching it again", exc)
        return self.fetch(version, source, session=session, timeout=timeout)

    def read_derived(self, version: str, name: str) -> bytes | None:
        """A file derived from ``version``'s bundle and stored beside it (such as the codec's schema map),
        checked against the manifest like the bundle's own files; ``None`` if none is stored.

        Raises :class:`CorruptBundleError` if the bundle or that file fails verification.
        """
        # The bundle as this instance last verified it (as load/ensure just did), else verified now; the file
        # itself is checked against its manifest entry in any case.
        info = self._verified.get(version) or self.verify(version)
        entry = next((f for f in info.files if f.path == name), None)
        if entry is None:
            return None
        path = self.bundle_dir(version) / name
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise _corrupt(path.parent, version, path, f"{name} is unreadable ({exc})") from None
        if len(content) != entry.size or hashlib.sha256(content).hexdigest() != entry.sha256:
            raise _corrupt(path.parent, version, path, f"{name} has changed")
        return content

    def store_derived(self, version: str, name: str, content: bytes) -> None:
        """Store ``content`` as ``name`` beside ``version``'s bundle and record it in the manifest.

        The file and then the manifest are each replaced in one step, so a reader sees the old manifest or
        the new one, never a manifest naming a half-written file. A bundle fetched again later drops it.
        """
        _checked_path(name)
        if name == MANIFEST_NAME or "/" in name:
            raise ValueError(f"{name!r} cannot be stored beside a bundle")
        folder = self.bundle_dir(version)
        manifest_path = folder / MANIFEST_NAME
        info = _read_manifest(folder, version)
        if any(f.path == name and not f.url.startswith("derived:") for f in info.files):
            raise ValueError(f"{name!r} is a file of the bundle itself")
        data: Any = json.loads(manifest_path.read_bytes())
        data["files"] = [f for f in data["files"] if f.get("path") != name]
        suffix = f".{secrets.token_hex(4)}.tmp"
        tmp_manifest = folder / (MANIFEST_NAME + suffix)
        if len(data["files"]) != len(info.files):
            # A damaged earlier copy is forgotten first, so that the bundle itself verifies again.
            tmp_manifest.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp_manifest, manifest_path)
        self.verify(version)
        entry = {
            "path": name,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "url": "derived:" + name,
            "references": [],
        }
        data["files"].append(entry)
        target = folder / name
        tmp_file = folder / (name + suffix)
        try:
            tmp_file.write_bytes(content)
            os.replace(tmp_file, target)
            tmp_manifest.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp_manifest, manifest_path)
        finally:
            self._verified.pop(version, None)
            for leftover in (tmp_file, tmp_manifest):
                leftover.unlink(missing_ok=True)

    def list(self) -> builtins.list[BundleInfo]:
        """The bundles in the cache, oldest version first, as their manifests describe them (unverified)."""
        if not self.root.is_dir():
            return []
        found = []
        for entry in sorted(self.root.iterdir()):
            if entry.is_dir() and VERSION_RE.match(entry.name):
                try:
                    found.append(_read_manifest(entry, entry.name))
                except BundleError as exc:
                    log.warning("skipping %s: %s", entry, exc)
        return found

    def remove(self, version: str) -> None:
        """Delete ``version``'s bundle; raises :class:`BundleNotFoundError` if it is not cached."""
        final = self.bundle_dir(version)
        self._verified.pop(version, None)
        old = self.root / f"{_OLD_PREFIX}{version}-{secrets.token_hex(4)}"
        try:
            os.rename(final, old)  # gone in one step for readers, however long the deletion takes
        except FileNotFoundError:
            raise BundleNotFoundError(f"WSDL bundle {version} is not cached in {self.root}") from None
        shutil.rmtree(old, ignore_errors=True)

    def _install(self, tmp: Path, version: str, files: tuple[BundleFile, ...]) -> None:
        """Rename ``tmp`` into place, whoever else is installing the same version at the same time."""
        final = self.bundle_dir(version)
        wanted = {(f.path, f.sha256) for f in files}
        displaced: builtins.list[Path] = []
        try:
            for _ in range(_INSTALL_ATTEMPTS):
                try:
                    os.rename(tmp, final)
                    return
                except OSError:
                    if not final.exists():
                        continue  # removed meanwhile: try again
                try:
                    current = _verify(final, version)
                except BundleError:
                    current = None
                if current is not None and {(f.path, f.sha256) for f in current.files} == wanted:
                    return  # another process installed the very same bundle: keep it
                # A damaged or different bundle: move it aside (one atomic step), then retry ours.
                old = self.root / f"{_OLD_PREFIX}{version}-{secrets.token_hex(4)}"
                try:
                    os.rename(final, old)
                    displaced.append(old)
                except OSError:
                    continue
        finally:
            for old in displaced:
                shutil.rmtree(old, ignore_errors=True)
        raise BundleError(
            f"could not install WSDL bundle {version} in {final}: other writers kept replacing it"
        )

    def _sweep_stale(self) -> None:
        cutoff = time.time() - _STALE_SECONDS
        for entry in self.root.iterdir():
            if entry.name.startswith((_TMP_PREFIX, _OLD_PREFIX)):
                try:
                    if entry.stat().st_mtime < cutoff:
                        shutil.rmtree(entry, ignore_errors=True)
                except OSError:
                    pass


def _describe(source: str | Path) -> str:
    if isinstance(source, str) and "://" in source:
        return source
    return str(Path(source).expanduser().resolve())


def _corrupt(folder: Path, version: str, file: Path, problem: str) -> CorruptBundleError:
    return CorruptBundleError(
        f"WSDL bundle {version} in {folder} is corrupt: {problem}", version=version, file=file
    )


def _read_manifest(folder: Path, version: str) -> BundleInfo:
    manifest_path = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise BundleNotFoundError(
            f"WSDL bundle {version} is not cached in {folder.parent}: fetch it with WsdlCache.fetch/ensure"
        )
    try:
        data: Any = json.loads(manifest_path.read_bytes())
    except FileNotFoundError:
        raise _corrupt(
            folder, version, manifest_path, f"{MANIFEST_NAME} is missing (a partial bundle)"
        ) from None
    except (OSError, ValueError) as exc:
        raise _corrupt(folder, version, manifest_path, f"{MANIFEST_NAME} is unreadable ({exc})") from None
    try:
        if data["format"] != MANIFEST_FORMAT:
            raise ValueError(f"unknown format {data['format']!r}")
        if data["version"] != version:
            raise ValueError(f"it is for version {data['version']!r}")
        files = tuple(
            BundleFile(
                path=_checked_path(entry["path"]),
                size=_checked_int(entry["size"]),
                sha256=str(entry["sha256"]),
                url=str(entry["url"]),
                references=tuple(_checked_path(ref) for ref in entry["references"]),
            )
            for entry in data["files"]
        )
        fetched_at = datetime.fromisoformat(data["fetched_at"])
        source = str(data["source"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _corrupt(folder, version, manifest_path, f"{MANIFEST_NAME} is invalid ({exc})") from None
    if WSDL_NAME not in {f.path for f in files}:
        raise _corrupt(folder, version, manifest_path, f"{MANIFEST_NAME} does not list {WSDL_NAME}")
    return BundleInfo(
        version=version, path=folder / WSDL_NAME, source=source, fetched_at=fetched_at, files=files
    )


def _checked_path(value: Any) -> str:
    path = PurePosixPath(str(value))
    if path.is_absolute() or ".." in path.parts or "\\" in str(value) or not path.parts:
        raise ValueError(f"unsafe path {value!r}")
    return str(path)


def _checked_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"bad size {value!r}")
    return value


def _verify(folder: Path, version: str) -> BundleInfo:
    info = _read_manifest(folder, version)
    listed = {f.path for f in info.files}
    for entry in info.files:
        file = folder.joinpath(*PurePosixPath(entry.path).parts)
        try:
            # Size first: a truncated file is named as such without reading it.
            size = file.stat().st_size
            if size != entry.size:
                raise _corrupt(folder, version, file, f"{entry.path} has {size} bytes, expected {entry.size}")
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
        except FileNotFoundError:
            raise _corrupt(folder, version, file, f"{entry.path} is missing") from None
        except OSError as exc:
            raise _corrupt(folder, version, file, f"{entry.path} is unreadable ({exc})") from None
        if digest != entry.sha256:
            raise _corrupt(folder, version, file, f"{entry.path} has changed (SHA-256 {digest})")
        # The references were recorded when the file was fetched; with its hash intact they still hold.
        for ref in entry.references:
            if ref not in listed:
                raise _corrupt(
                    folder, version, file, f"{entry.path} references {ref}, which is not in the bundle"
                )
    return info


# --- the zeep client factory -------------------------------------------------------------------------


class _NetSuiteAdapter(DirectLoopbackAdapter):
    """A pool sized to the client's concurrency, default time-outs, no retries, never a cookie, and no proxy
    for loopback addresses."""

    def __init__(self, pool_size: int, timeout: tuple[float, float], verify: bool | str = True) -> None:
        # No retries here: the client retries itself, knowing which operations are safe to repeat.
        super().__init__(
            pool_connections=pool_size, pool_maxsize=pool_size, max_retries=Retry(total=0, read=False)
        )
        self.pool_size = pool_size
        self.timeout = timeout
        self.verify = verify

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        # The jar policy keeps the session from storing cookies, but requests copies Set-Cookie of a
        # redirect into the request's own jar; dropping the header here covers every path.
        request.headers.pop("Cookie", None)
        return super().send(
            request,
            stream=stream,
            timeout=self.timeout if timeout is None else timeout,
            # An explicit setting (False, a CA bundle) wins: requests would let REQUESTS_CA_BUNDLE or
            # CURL_CA_BUNDLE replace it. The default (True) keeps requests' own choice, environment included.
            verify=verify if self.verify is True else self.verify,
            cert=cert,
            proxies=proxies,
        )


class _Session(requests.Session):
    """requests' session, with the environment read once per destination instead of on every request.

    With ``trust_env`` (the default), requests looks up the proxy variables (``HTTPS_PROXY``,
    ``NO_PROXY``...) and the CA bundle variables (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``) for each
    request, scanning the whole environment several times: about 0.3 ms of CPU a request, a tenth of a
    bulk write's client time. The settings requests derives for a destination (scheme and host) and given
    arguments are kept for the session's life: a variable changed after the first request to a host
    applies to clients made afterwards.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[Any, ...], Any] = {}
        self._prepared: dict[tuple[Any, ...], requests.PreparedRequest] = {}

    def merge_environment_settings(
        self, url: str | bytes | None, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        text = url.decode("utf-8", "replace") if isinstance(url, bytes) else str(url or "")
        split = urlsplit(text)
        key = (split.scheme, split.netloc, tuple(sorted((proxies or {}).items())), stream, verify, cert)
        settings = self._environment.get(key)
        if settings is None:
            settings = super().merge_environment_settings(url, dict(proxies or {}), stream, verify, cert)
            self._environment[key] = settings
        # A copy: requests may change the proxies of one request (on a redirect) without changing the next.
        return {**settings, "proxies": dict(settings["proxies"])}

    def post_bytes(
        self, url: str, data: bytes, headers: Mapping[str, str], *, timeout: Any
    ) -> requests.Response:
        """``post(url, data=data, headers=headers, timeout=timeout, allow_redirects=False, stream=True)``,
        at half the CPU.

        ``post`` prepares each request from scratch (the session's headers, authentication and hooks merged
        in, the body inspected): about 0.4 ms of a SOAP request's 0.9 ms in requests, as much as writing
        twenty records. The request prepared for an address and headers is kept instead, and each post
        sends a copy of it with its own body and length, through requests' own ``send`` (the same adapter,
        time-outs, proxies and exceptions). The session's headers, authentication and hooks are therefore
        read on the first post to each address with each set of headers.
        """
        key = (url, tuple(headers.items()))
        template = self._prepared.get(key)
        if template is None:
            template = self.prepare_request(requests.Request("POST", url, headers=dict(headers), data=b""))
            self._prepared[key] = template
        prepared = template.copy()
        prepared.body = data
        prepared.headers["Content-Length"] = str(len(data))
        settings = self.merge_environment_settings(url, {}, True, None, None)
        return self.send(prepared, timeout=timeout, allow_redirects=False, **settings)


class _NoNetrcAuth(requests.auth.AuthBase):
    """HTTP authentication as requests does it, without ``~/.netrc``: NetSuite authenticates the passport in
    each request's SOAP header.

    Set as the session's own, so that requests does not look for credentials in ``~/.netrc`` on every
    request (two file look-ups each) and never adds an ``Authorization`` header from such a file. Credentials
    written in the URL itself (``https://user:password@host/...``, for a proxy in front of the endpoint)
    are sent as requests sends them, as Basic authentication.
    """

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        user, password = requests.utils.get_auth_from_url(request.url or "")
        if user or password:
            authed: requests.PreparedRequest = requests.auth.HTTPBasicAuth(user, password)(request)
            return authed
        return request


def make_session(
    pool_size: int = 5,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    verify: bool | str = True,
) -> requests.Session:
    """An HTTP session for SuiteTalk requests.

    It keeps and sends no cookies (with token-based authentication NetSuite must see no cookie or session)
    and no HTTP credentials (none from ``~/.netrc`` either), holds up to ``pool_size`` connections per host
    (match it to the client's concurrency limit), applies ``(connect_timeout, read_timeout)`` to requests
    that set no time-out, and never retries by itself.
    ``verify`` is TLS verification as requests spells it (``True``, ``False`` or a CA bundle path) for
    every request of the session; ``False`` or a path is used as given even where ``REQUESTS_CA_BUNDLE`` is
    set (requests would let the variable win), ``True`` honours it as requests does. The proxy and CA bundle
    variables are read on the first request to each host and kept for the session's life.
    """
    if pool_size < 1:
        raise ValueError(f"pool_size must be at least 1, got {pool_size}")
    session = _Session()
    session.auth = _NoNetrcAuth()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.verify = verify
    adapter = _NetSuiteAdapter(pool_size, (connect_timeout, read_timeout), verify)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def zeep_settings() -> zeep.Settings:
    """zeep settings for NetSuite: hardened XML parsing, lenient reading of responses.

    - ``forbid_dtd``, ``forbid_entities``: refuse any document with a DTD or entity declarations.
    - ``forbid_external``: never fetch an ``http(s)`` document reached by an import (local relative imports
      still load: zeep blocks only http/https URLs).
    - ``xml_huge_tree``: lift libxml2's depth and text-size limits, which large search pages can reach.
    - ``strict=False`` with ``xsd_ignore_sequence_order=True``: an element NetSuite adds in a later release,
      or sends out of order, neither raises nor swallows the fields after it. ``strict=False`` alone keeps
      the unknown element in ``_raw_elements`` but drops every field after it; the two together keep all.
      ``strict=False`` also puts lxml in recover mode, which would accept a truncated document; the
      transport of :func:`make_zeep_client` therefore refuses an answer that is not well-formed XML.
    """
    return zeep.Settings(
        strict=False,
        xsd_ignore_sequence_order=True,
        xml_huge_tree=True,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )


class _LocalTransport(zeep.Transport):
    """Loads WSDL and schema documents from local files only; posts without following redirects."""

    def load(self, url: str) -> bytes:
        if urlsplit(url).scheme in ("http", "https"):
            raise ExternalReferenceForbidden(url)  # type: ignore[no-untyped-call]
        data: bytes = super().load(url)  # type: ignore[no-untyped-call]
        return data

    #: Answers larger than this are not read (see :func:`make_zeep_client`).
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def post(self, address: str, message: Any, headers: Any) -> requests.Response:
        # Not zeep's own post: at DEBUG it logs whole envelopes, token passport included. Envelopes are
        # shown only through the CLI's redacting --verbose plugin. Redirects are never followed: that
        # would resend the signed passport and the records to wherever the answer points (the transport
        # refuses the 3xx itself). The body is read up to a cap, so that an endless or huge answer cannot
        # exhaust memory.
        response: requests.Response
        if isinstance(self.session, _Session) and isinstance(message, bytes):
            response = self.session.post_bytes(address, message, headers, timeout=self.operation_timeout)
        else:
            response = self.session.post(
                address,
                data=message,
                headers=headers,
                timeout=self.operation_timeout,
                allow_redirects=False,
                stream=True,
            )
        try:
            response._content = _read_capped(response, self.max_response_bytes)
        finally:
            response.close()
        log.debug(
            "POST %s: %d bytes sent, HTTP %d, %d bytes received",
            address,
            len(message),
            response.status_code,
            len(response.content),
        )
        if response.status_code == 500 or (response.status_code == 200 and not _read_by_caller.get()):
            # zeep reads these in lxml's recover mode, which would half-read a broken document: refuse it.
            # (Inside read_by_caller(), the caller parses a 200 answer itself, strictly, as it reads it.)
            response_root(response)
        return response


def _read_capped(response: requests.Response, limit: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(f"it announced {int(declared)} bytes")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=256 * 1024):
        size += len(chunk)
        if size > limit:
            raise _too_large("it went on past that")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(how: str) -> LostResponse:
    # The request was executed (an answer came), but reading it again would meet the same answer.
    return LostResponse(
        f"the answer is larger than max_response_bytes allows, and {how}; it was not read",
        code="RESPONSE_TOO_LARGE",
        repeatable=False,
    )


_parsers = threading.local()

_read_by_caller: ContextVar[bool] = ContextVar("suitetalk_read_by_caller", default=False)


@contextmanager
def read_by_caller() -> Iterator[None]:
    """Within the block, the transport's ``post`` leaves a 200 answer unparsed (it parses every other
    answer it may have to refuse, as always): the caller reads it while parsing it, strictly, and parses it
    with :func:`response_root` first whenever it reads it any other way. See :mod:`suitetalk.codec.stream`.
    """
    token = _read_by_caller.set(True)
    try:
        yield
    finally:
        _read_by_caller.reset(token)


def xml_content(response: requests.Response) -> bytes | None:
    """The body of a response that holds XML by its media type (what :func:`response_root` parses)."""
    media_type: str = get_media_type(response.headers.get("Content-Type", "text/xml"))  # type: ignore[no-untyped-call]
    if not response.content or "xml" not in media_type:
        return None
    return response.content


def response_root(response: requests.Response) -> etree._Element | None:
    """The strictly parsed XML of a response (``None`` if it has no XML), parsed once per response.

    Raises zeep's ``XMLParseError`` (what a caller already handles as "not valid SOAP") on broken XML. The
    parser refuses entities, DTD loading and the network; lxml parsers must not be shared between threads,
    so each thread has its own.
    """
    cached: etree._Element | None = getattr(response, "_suitetalk_root", None)
    if cached is not None:
        return cached
    content = xml_content(response)
    if content is None:
        return None
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = etree.XMLParser(
            resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True
        )
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise XMLParseError(  # type: ignore[no-untyped-call]
            f"the server's response (HTTP {response.status_code}, {len(response.content)} bytes) is not "
            f"well-formed XML: {exc}"
        ) from exc
    response._suitetalk_root = root  # type: ignore[attr-defined]
    return root


def make_zeep_client(
    wsdl: Path | str,
    service_url: str,
    *,
    version: str,
    session: requests.Session | None = None,
    pool_size: int = 5,
    operation_timeout: float | None = None,
    settings: zeep.Settings | None = None,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> tuple[zeep.Client, ServiceProxy]:
    """A zeep client for the local WSDL ``wsdl``, and its service bound to ``service_url``.

    The WSDL and all its schemas are read from disk; a reference to a remote document raises
    :class:`RemoteReferenceError` instead of being fetched (store the bundle with :class:`WsdlCache`, which
    makes every reference local). The service is NetSuite's ``NetSuiteBinding`` of ``version`` bound to
    ``service_url``. ``session`` defaults to :func:`make_session` with ``pool_size`` connections (close it
    with ``client.transport.session.close()``); ``operation_timeout`` overrides its time-outs;
    ``settings`` defaults to :func:`zeep_settings`; answers over ``max_response_bytes`` are not read.
    """
    check_version(version)
    url = urlsplit(service_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise InputError(f"service_url must be an http(s) URL, got {service_url!r}")
    if isinstance(wsdl, str) and urlsplit(wsdl).scheme in ("http", "https"):
        raise InputError(
            f"make_zeep_client loads local files only; got {wsdl!r}: cache it with WsdlCache first"
        )
    location = Path(wsdl).expanduser().absolute()
    if not location.is_file():
        raise BundleNotFoundError(f"no WSDL at {location}")
    transport = _LocalTransport(  # type: ignore[no-untyped-call]
        session=session or make_session(pool_size), operation_timeout=operation_timeout
    )
    transport.max_response_bytes = max_response_bytes
    try:
        client = zeep.Client(  # type: ignore[no-untyped-call]
            wsdl=str(location), transport=transport, settings=settings or zeep_settings()
        )
    except ExternalReferenceForbidden as exc:
        raise RemoteReferenceError(
            f"{location} (or a schema it imports) references the remote document {exc.url}, which is "
            f"never fetched: store the bundle with WsdlCache.fetch, which makes every reference local"
        ) from exc
    binding = f"{{{wsdl_tns(version)}}}NetSuiteBinding"
    if binding not in client.wsdl.bindings:
        found = ", ".join(sorted(client.wsdl.bindings)) or "none"
        raise BundleError(
            f"{location} has no binding {binding}: is it the WSDL of {version}? (found: {found})"
        )
    return client, client.create_service(binding, service_url)  # type: ignore[no-untyped-call]
