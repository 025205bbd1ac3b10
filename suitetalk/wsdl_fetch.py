"""Crawl a WSDL bundle: ``netsuite.wsdl`` and every schema it references, made self-contained.

NetSuite publishes its WSDL with absolute ``schemaLocation``\\ s
(``https://webservices.netsuite.com/xsd/platform/v2023_2_0/core.xsd``), while copies kept on disk usually
carry relative ones (``./xsd/platform.core.xsd``). Both are followed here, transitively, and every reference
is rewritten to a relative path inside the bundle, so that the stored copy loads with no network at all.

Everything fetched is treated as hostile until checked: documents must be XML without a DTD, have the root
element their reference promises (a WSDL or a schema), stay within a file-count and byte budget, and a copy
from a folder may not reach outside that folder nor onto the network. This module only reads and rewrites;
storing the result atomically is :mod:`suitetalk.wsdl`'s job.
"""

from __future__ import annotations

import posixpath
import re
import socket
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit
from urllib.request import url2pathname

import requests
from lxml import etree
from requests.adapters import HTTPAdapter

from .config import is_loopback_host
from .errors import SuiteTalkError
from .namespaces import XSD, version_of_namespace, wsdl_tns

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"

#: File name of the entry document inside every bundle.
WSDL_NAME = "netsuite.wsdl"
#: Names a fetched document can never take, because the bundle itself uses them.
RESERVED_NAMES = frozenset({WSDL_NAME, "manifest.json"})

DEFAULT_MAX_FILES = 200
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: (connect, read) seconds for each document fetched over HTTP.
DEFAULT_FETCH_TIMEOUT: tuple[float, float] = (10.0, 60.0)

_CHUNK = 64 * 1024

#: Elements that pull in another document, and the attribute that says where it is.
_REFERENCE_ATTRS = {
    f"{{{XSD}}}import": "schemaLocation",
    f"{{{XSD}}}include": "schemaLocation",
    f"{{{XSD}}}redefine": "schemaLocation",
    f"{{{XSD}}}override": "schemaLocation",
    f"{{{WSDL_NS}}}import": "location",
}
_WSDL_ROOT = f"{{{WSDL_NS}}}definitions"
_SCHEMA_ROOT = f"{{{XSD}}}schema"
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_WSDL_TNS = re.compile(r"^urn:platform_(20\d\d_[12])\.webservices\.netsuite\.com$")


class DirectLoopbackAdapter(HTTPAdapter):
    """Sends requests for this machine (the emulator, a local proxy) directly, whatever ``HTTP_PROXY`` says.

    A proxy cannot reach the loopback address of the machine that asked, so going through one only fails.
    """

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        if is_loopback_host(urlsplit(request.url or "").hostname or ""):
            proxies = None
        return super().send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )


def describe_request_failure(exc: requests.RequestException) -> str:
    """What went wrong with an HTTP request, in a few words, without urllib3's pool and retry internals."""
    host = urlsplit(getattr(exc.request, "url", None) or "").netloc or "the server"
    causes = _causes(exc)
    if isinstance(exc, requests.exceptions.ProxyError):
        return (
            f"the proxy for {host} could not be reached or refused the request (check HTTPS_PROXY/HTTP_PROXY)"
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return f"the TLS handshake with {host} failed (is the certificate trusted, is it really https?)"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection to {host} within the connect time-out"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"{host} accepted the connection but did not answer within the read time-out"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return f"connection refused by {host}: nothing listens there"
    if any(isinstance(c, socket.gaierror) for c in causes):
        return f"the host name of {host} could not be resolved (a typo, or no network?)"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"the connection to {host} failed or was cut"
    return f"the request to {host} failed ({type(exc).__name__})"


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (``reason``, causes, contexts, exception arguments), a few levels deep."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        linked = [getattr(current, "reason", None), current.__cause__, current.__context__, *current.args]
        todo.extend(x for x in linked if isinstance(x, BaseException))
    return seen


def direct_loopback_session() -> requests.Session:
    """A plain ``requests`` session whose requests to loopback addresses never go through a proxy."""
    session = requests.Session()
    adapter = DirectLoopbackAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class BundleError(SuiteTalkError):
    """Base of every WSDL cache error (defined here, where the first of them is raised)."""


class FetchError(BundleError):
    """A document of the bundle could not be fetched, or was refused; ``url`` names it."""

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


@dataclass(frozen=True)
class Limits:
    """How much one bundle may hold, so that a hostile server cannot fill the disk."""

    max_files: int = DEFAULT_MAX_FILES
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class FetchedDocument:
    """One document of the bundle, rewritten to reference its neighbours by relative path."""

    path: str
    """Where it goes in the bundle, ``/``-separated (``netsuite.wsdl``, ``xsd/platform.core.xsd``)."""
    url: str
    """Where it came from (an ``http(s)`` or ``file`` URL)."""
    content: bytes
    references: tuple[str, ...]
    """Bundle paths of the documents it references."""


@dataclass
class _Document:
    url: str
    path: str
    root: etree._Element
    # (element, attribute, bundle path of the target)
    links: list[tuple[etree._Element, str, str]] = field(default_factory=list)


def resolve_source(source: str | Path) -> str:
    """Turn what a user passes (a URL, a folder, or a ``.wsdl`` file) into the URL of the entry document."""
    if isinstance(source, str) and urlsplit(source).scheme in ("http", "https"):
        return source
    if isinstance(source, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", source):
        raise FetchError(
            f"unsupported WSDL source {source!r}: give an http(s) URL or a local folder", str(source)
        )
    path = Path(source).expanduser().resolve()
    if path.is_dir():
        path = path / WSDL_NAME
    if not path.is_file():
        raise FetchError(
            f"no WSDL at {path}: give the folder holding {WSDL_NAME} or the file itself", str(path)
        )
    return path.as_uri()


def crawl(
    source: str | Path,
    *,
    version: str,
    session: requests.Session | None = None,
    timeout: float | tuple[float, float] = DEFAULT_FETCH_TIMEOUT,
    limits: Limits | None = None,
) -> list[FetchedDocument]:
    """Read the bundle rooted at ``source`` and return its documents, the entry WSDL first.

    ``source`` is an ``http(s)`` URL of the WSDL, a folder holding ``netsuite.wsdl``, or the ``.wsdl`` file
    itself. The entry WSDL must declare ``version``'s target namespace. Raises :class:`FetchError` naming
    the offending URL for anything refused or unreachable.
    """
    root_url = resolve_source(source)
    reader = _Reader(root_url, session, timeout, limits or Limits())
    try:
        return _Crawler(root_url, reader, version).run()
    finally:
        reader.close()


class _Reader:
    """Reads documents by URL within the budget; owns the HTTP session if it made it."""

    def __init__(
        self,
        root_url: str,
        session: requests.Session | None,
        timeout: float | tuple[float, float],
        limits: Limits,
    ) -> None:
        self.limits = limits
        self.timeout = timeout
        self.bytes_read = 0
        self._own_session = session is None and urlsplit(root_url).scheme != "file"
        self._session = direct_loopback_session() if self._own_session else session
        root = urlsplit(root_url)
        self._folder = Path(url2pathname(root.path)).parent if root.scheme == "file" else None

    def close(self) -> None:
        if self._own_session and self._session is not None:
            self._session.close()

    def read(self, url: str) -> tuple[bytes, str]:
        """Content of ``url`` and the URL it really came from (after redirects)."""
        if urlsplit(url).scheme == "file":
            return self._read_file(url), url
        return self._read_http(url)

    def _budget(self, url: str, size: int) -> None:
        if self.bytes_read + size > self.limits.max_bytes:
            raise FetchError(
                f"refusing {url}: the bundle would exceed {self.limits.max_bytes} bytes "
                f"(a hostile or misconfigured server?)",
                url,
            )

    def _read_file(self, url: str) -> bytes:
        path = Path(url2pathname(urlsplit(url).path)).resolve()
        assert self._folder is not None  # file URLs are only accepted for a folder source
        if not path.is_relative_to(self._folder):
            raise FetchError(f"refusing {url}: it lies outside the source folder {self._folder}", url)
        try:
            size = path.stat().st_size
            self._budget(url, size)
            with path.open("rb") as fh:
                content = fh.read(self.limits.max_bytes - self.bytes_read + 1)
        except OSError as exc:
            raise FetchError(f"could not read {path}: {exc.strerror or exc}", url) from exc
        self._budget(url, len(content))
        self.bytes_read += len(content)
        return content

    def _read_http(self, url: str) -> tuple[bytes, str]:
        assert self._session is not None
        try:
            with self._session.get(url, timeout=self.timeout, stream=True) as resp:
                if resp.status_code != 200:
                    raise FetchError(f"could not fetch {url}: HTTP {resp.status_code} {resp.reason}", url)
                final = resp.url or url
                final_scheme = urlsplit(final).scheme
                if final_scheme not in ("http", "https"):
                    raise FetchError(f"refusing {url}: it redirects to {final}", url)
                if urlsplit(url).scheme == "https" and final_scheme != "https":
                    raise FetchError(f"refusing {url}: it redirects to plain HTTP ({final})", url)
                declared = resp.headers.get("Content-Length", "")
                if declared.isdigit():
                    self._budget(url, int(declared))
                buf = bytearray()
                for chunk in resp.iter_content(_CHUNK):
                    buf += chunk
                    # Checked while reading: a server may lie about, or omit, Content-Length.
                    self._budget(url, len(buf))
        except requests.RequestException as exc:
            raise FetchError(f"could not fetch {url}: {describe_request_failure(exc)}", url) from exc
        self.bytes_read += len(buf)
        return bytes(buf), final


class _Crawler:
    def __init__(self, root_url: str, reader: _Reader, version: str) -> None:
        self.root_url = _normalise(root_url)
        self.reader = reader
        self.version = version
        self.paths: dict[str, str] = {self.root_url: WSDL_NAME}  # url -> bundle path
        self.taken: set[str] = {name.casefold() for name in RESERVED_NAMES}
        self.expected_root: dict[str, frozenset[str]] = {self.root_url: frozenset({_WSDL_ROOT})}

    def run(self) -> list[FetchedDocument]:
        queue: deque[str] = deque([self.root_url])
        docs: list[_Document] = []
        while queue:
            url = queue.popleft()
            doc = self._load(url)
            docs.append(doc)
            for target in self._follow(doc):
                queue.append(target)
        return [self._rewrite(doc) for doc in docs]

    def _load(self, url: str) -> _Document:
        content, final_url = self.reader.read(url)
        root = _parse(content, url)
        expected = self.expected_root[url]
        if root.tag not in expected:
            wanted = " or ".join(
                sorted("a WSDL" if tag == _WSDL_ROOT else "an XML schema" for tag in expected)
            )
            raise FetchError(f"refusing {url}: expected {wanted}, got <{root.tag}>", url)
        if url == self.root_url:
            self._check_version(root, url)
        return _Document(url=_normalise(final_url), path=self.paths[url], root=root)

    def _check_version(self, root: etree._Element, url: str) -> None:
        tns = root.get("targetNamespace", "")
        if tns != wsdl_tns(self.version):
            # version_of_namespace knows the schema namespaces, not the WSDL's own urn:platform_<v>...
            m = _WSDL_TNS.match(tns)
            found = m.group(1) if m else version_of_namespace(tns)
            what = (
                f"the WSDL of version {found}" if found else f"not a NetSuite WSDL (targetNamespace {tns!r})"
            )
            raise FetchError(f"refusing {url} as the WSDL of version {self.version}: it is {what}", url)

    def _follow(self, doc: _Document) -> list[str]:
        """Record the references of ``doc``; return the URLs not seen before."""
        new: list[str] = []
        for element in doc.root.iter(*_REFERENCE_ATTRS):
            attr = _REFERENCE_ATTRS[str(element.tag)]
            location = (element.get(attr) or "").strip()
            if not location:
                continue  # an import by namespace only: nothing to fetch
            target = _normalise(urljoin(doc.url, location))
            self._check_reference(doc.url, target)
            if target not in self.paths:
                if len(self.paths) >= self.reader.limits.max_files:
                    raise FetchError(
                        f"refusing {target}: the bundle would exceed {self.reader.limits.max_files} files "
                        f"(a hostile or misconfigured server?)",
                        target,
                    )
                self.paths[target] = self._bundle_path(target)
                self.expected_root[target] = (
                    frozenset({_WSDL_ROOT, _SCHEMA_ROOT}) if attr == "location" else frozenset({_SCHEMA_ROOT})
                )
                new.append(target)
            elif attr == "schemaLocation" and _SCHEMA_ROOT not in self.expected_root[target]:
                raise FetchError(f"refusing {target}: referenced both as a WSDL and as a schema", target)
            doc.links.append((element, attr, self.paths[target]))
        return new

    def _check_reference(self, from_url: str, target: str) -> None:
        source_scheme = urlsplit(from_url).scheme
        scheme = urlsplit(target).scheme
        if source_scheme == "file":
            if scheme != "file":
                raise FetchError(
                    f"{from_url} references {target}: a copy from a folder uses no network; "
                    f"fetch the bundle from its URL instead",
                    target,
                )
            return  # containment in the folder is checked when the file is read
        if scheme not in ("http", "https"):
            raise FetchError(f"{from_url} references {target}: only http(s) references are followed", target)
        if source_scheme == "https" and scheme == "http":
            raise FetchError(
                f"{from_url} references {target}: refusing to downgrade from HTTPS to HTTP", target
            )

    def _bundle_path(self, url: str) -> str:
        """A safe, unique relative path for ``url``, keeping the source's layout where it can."""
        root, target = urlsplit(self.root_url), urlsplit(url)
        root_dir = root.path.rsplit("/", 1)[0] + "/"
        if (target.scheme, target.netloc) == (root.scheme, root.netloc) and target.path.startswith(root_dir):
            rel = target.path[len(root_dir) :]  # beside the WSDL, as in a folder copy
        elif target.netloc == root.netloc:
            rel = target.path  # NetSuite's /xsd/platform/v2023_2_0/core.xsd
        else:
            rel = f"{target.hostname or 'host'}/{target.path}"
        segments = [_safe_segment(unquote(s)) for s in rel.split("/") if s not in ("", ".")]
        if target.query:
            segments[-1:] = [f"{segments[-1] if segments else 'document'}_{_safe_segment(target.query)}"]
        candidate = "/".join(segments) or "document.xsd"
        stem, dot, ext = candidate.rpartition(".")
        if not dot or "/" in ext:
            stem, ext = candidate, ""
        n = 1
        while candidate.casefold() in self.taken:
            n += 1
            candidate = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
        self.taken.add(candidate.casefold())
        return candidate

    def _rewrite(self, doc: _Document) -> FetchedDocument:
        base = posixpath.dirname(doc.path)
        for element, attr, target in doc.links:
            element.set(attr, posixpath.relpath(target, base or "."))
        content = etree.tostring(doc.root.getroottree(), xml_declaration=True, encoding="UTF-8")
        references = tuple(dict.fromkeys(target for _, _, target in doc.links))
        return FetchedDocument(path=doc.path, url=doc.url, content=content, references=references)


def _parse(content: bytes, url: str) -> etree._Element:
    """Parse with no DTD loading, no entity expansion and no network; refuse a DTD outright."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, remove_comments=False)
    try:
        root = etree.fromstring(content, parser=parser, base_url=url)
    except etree.XMLSyntaxError as exc:
        raise FetchError(f"refusing {url}: it is not XML ({exc})", url) from exc
    docinfo = root.getroottree().docinfo
    doctype: str = getattr(docinfo, "doctype", "")  # missing from lxml-stubs
    if doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise FetchError(f"refusing {url}: it has a DTD ({doctype or '<!DOCTYPE>'})", url)
    return root


def _normalise(url: str) -> str:
    """Drop the fragment and collapse ``.``, ``..`` and ``//`` in the path, so one file has one URL."""
    parts = urlsplit(url)
    path = parts.path
    if path:
        trailing = "/" if path.endswith("/") else ""
        path = "/" + posixpath.normpath(path).lstrip("/")
        path = path + trailing if path != "/" else path
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _safe_segment(segment: str) -> str:
    cleaned = _UNSAFE_CHARS.sub("_", segment)
    return "_" if cleaned in ("", ".", "..") else cleaned
