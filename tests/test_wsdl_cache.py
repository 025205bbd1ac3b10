"""The WSDL cache: fetching (HTTP, folder), rewriting, verification, self-repair, concurrent atomic writes."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

import suitetalk.wsdl as wsdl_module
from suitetalk.wsdl import (
    CACHE_ENV,
    BundleError,
    BundleNotFoundError,
    CorruptBundleError,
    FetchError,
    WsdlCache,
    default_cache_dir,
    make_zeep_client,
)

VERSION = "2023_2"
XSD = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
LOCATION_ATTRS = {f"{{{XSD}}}import": "schemaLocation", f"{{{XSD}}}include": "schemaLocation"}
LOCATION_ATTRS[f"{{{WSDL}}}import"] = "location"


# --- a tiny local HTTP server ---------------------------------------------------------------------------

Route = Callable[[BaseHTTPRequestHandler], None]


class LocalServer:
    """ThreadingHTTPServer on 127.0.0.1 (free port) answering GETs with ``route``; logs request paths."""

    def __init__(self, route: Route) -> None:
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in separate writes

            def do_GET(self) -> None:
                outer.paths.append(self.path)
                route(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.httpd.shutdown()
            self.httpd.server_close()
            self._thread.join(timeout=10)


def reply(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "text/xml") -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def server_factory() -> Iterator[Callable[[Route], LocalServer]]:
    servers: list[LocalServer] = []

    def start(route: Route) -> LocalServer:
        servers.append(LocalServer(route))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def netsuite_like_server(
    netsuite_bundle: Path, server_factory: Callable[[Route], LocalServer]
) -> tuple[LocalServer, str]:
    """Serves the bundle as NetSuite does: WSDL under /wsdl/v..., schemas under /xsd/, ABSOLUTE locations."""
    holder: dict[str, str] = {}

    def route(handler: BaseHTTPRequestHandler) -> None:
        absolute = f'schemaLocation="{holder["base"]}/xsd/'.encode()
        if handler.path == f"/wsdl/v{VERSION}_0/netsuite.wsdl":
            body = (
                (netsuite_bundle / "netsuite.wsdl").read_bytes().replace(b'schemaLocation="./xsd/', absolute)
            )
        elif handler.path.startswith("/xsd/") and "/" not in handler.path[5:]:
            file = netsuite_bundle / "xsd" / handler.path[5:]
            if not file.is_file():
                reply(handler, 404, b"not found", "text/plain")
                return
            body = file.read_bytes().replace(b'schemaLocation=".//', absolute)
        else:
            reply(handler, 404, b"not found", "text/plain")
            return
        reply(handler, 200, body)

    server = server_factory(route)
    holder["base"] = server.base
    return server, f"{server.base}/wsdl/v{VERSION}_0/netsuite.wsdl"


# --- helpers ---------------------------------------------------------------------------------------------


def original_paths(bundle: Path) -> set[str]:
    return {"netsuite.wsdl"} | {f"xsd/{p.name}" for p in (bundle / "xsd").glob("*.xsd")}


def canonical_without_locations(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for element in root.iter(*LOCATION_ATTRS):
        element.attrib.pop(LOCATION_ATTRS[str(element.tag)], None)
    return etree.tostring(root, method="c14n")


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("."))


def manifest(cache: WsdlCache) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((cache.bundle_dir(VERSION) / "manifest.json").read_text())
    return data


def write_mini_bundle(
    folder: Path, *, wsdl_head: str = "", location: str = "xsd/a.xsd", version: str = VERSION
) -> Path:
    """A two-file bundle: netsuite.wsdl importing ``location``, and xsd/a.xsd."""
    (folder / "xsd").mkdir(parents=True, exist_ok=True)
    (folder / "netsuite.wsdl").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>{wsdl_head}\n'
        f'<definitions xmlns="{WSDL}" targetNamespace="urn:platform_{version}.webservices.netsuite.com">'
        f'<types><xsd:schema xmlns:xsd="{XSD}"><xsd:import namespace="urn:a" schemaLocation="{location}"/>'
        f"</xsd:schema></types></definitions>"
    )
    (folder / "xsd" / "a.xsd").write_text(f'<xsd:schema xmlns:xsd="{XSD}" targetNamespace="urn:a"/>')
    return folder


@pytest.fixture(scope="module")
def pristine_root(netsuite_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache root holding the full bundle copied from its folder, once per module."""
    root = tmp_path_factory.mktemp("pristine")
    WsdlCache(root).fetch(VERSION, netsuite_bundle)
    return root


@pytest.fixture
def cache(pristine_root: Path, tmp_path: Path) -> WsdlCache:
    """A private copy of the pristine cache, free to damage."""
    shutil.copytree(pristine_root, tmp_path / "cache")
    return WsdlCache(tmp_path / "cache")


# --- fetching over HTTP, then offline --------------------------------------------------------------------


def test_fetch_over_http_rewrites_absolute_locations_and_then_works_offline(
    netsuite_bundle: Path, netsuite_like_server: tuple[LocalServer, str], tmp_path: Path
) -> None:
    server, wsdl_url = netsuite_like_server
    served = requests.get(wsdl_url, timeout=10).text
    assert f'schemaLocation="{server.base}/xsd/platform.core.xsd"' in served  # really absolute, as NetSuite
    assert 'schemaLocation="./' not in served

    cache = WsdlCache(tmp_path / "cache")
    path = cache.fetch(VERSION, wsdl_url)

    assert path == cache.wsdl_path(VERSION) == tmp_path / "cache" / VERSION / "netsuite.wsdl"
    listed = {entry["path"]: entry for entry in manifest(cache)["files"]}
    assert set(listed) == original_paths(netsuite_bundle)
    bundle = cache.bundle_dir(VERSION)
    for rel, entry in listed.items():
        data = (bundle / rel).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["url"].startswith(server.base)
        # Same document as NetSuite's, apart from the locations ...
        assert canonical_without_locations(data) == canonical_without_locations(
            (netsuite_bundle / rel).read_bytes()
        )
        # ... which are now relative and point at files of the bundle.
        for element in etree.fromstring(data).iter(*LOCATION_ATTRS):
            location = element.get(LOCATION_ATTRS[str(element.tag)])
            assert location is not None
            assert "://" not in location
            assert ((bundle / rel).parent / location).resolve().is_file()
    assert leftovers(cache.root) == []

    server.stop()
    requests_seen = len(server.paths)
    again = WsdlCache(tmp_path / "cache")
    assert again.load(VERSION) == path
    assert again.ensure(VERSION, wsdl_url) == path
    assert len(server.paths) == requests_seen

    client, service = make_zeep_client(
        path, "http://127.0.0.1:9/services/NetSuitePort_2023_2", version=VERSION, pool_size=1
    )
    customer = client.get_type("{urn:relationships_2023_2.lists.webservices.netsuite.com}Customer")
    assert "entityId" in [name for name, _ in customer.elements]
    assert callable(service.upsertList)


def test_http_error_names_the_url_and_stores_nothing(
    server_factory: Callable[[Route], LocalServer], tmp_path: Path
) -> None:
    server = server_factory(lambda h: reply(h, 404, b"gone", "text/plain"))
    cache = WsdlCache(tmp_path / "cache")
    url = f"{server.base}/wsdl/v{VERSION}_0/netsuite.wsdl"
    with pytest.raises(FetchError, match="HTTP 404") as info:
        cache.fetch(VERSION, url)
    assert info.value.url == url
    assert not cache.bundle_dir(VERSION).exists()


def test_a_server_streaming_without_end_is_cut_off_at_the_byte_limit(
    server_factory: Callable[[Route], LocalServer], tmp_path: Path
) -> None:
    sent = []

    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/xml")
        handler.send_header("Connection", "close")  # no Content-Length: the body runs until the server stops
        handler.end_headers()
        handler.close_connection = True
        chunk = b"<a>" * 20_000
        try:
            for _ in range(2_000):  # 120 MB at most, so the test ends even if the client never stops
                handler.wfile.write(chunk)
                sent.append(len(chunk))
        except OSError:
            pass

    server = server_factory(endless)
    cache = WsdlCache(tmp_path / "cache", max_bytes=1_000_000)
    with pytest.raises(FetchError, match="exceed 1000000 bytes"):
        cache.fetch(VERSION, f"{server.base}/wsdl/v{VERSION}_0/netsuite.wsdl")
    assert not cache.bundle_dir(VERSION).exists()
    assert not cache.root.exists() or leftovers(cache.root) == []
    server.stop()
    assert sum(sent) < 100_000_000


# --- copying from a folder -------------------------------------------------------------------------------


def test_copy_from_folder(netsuite_bundle: Path, cache: WsdlCache) -> None:
    info = cache.verify(VERSION)
    assert info.version == VERSION
    assert info.path == cache.wsdl_path(VERSION)
    assert info.source == str(netsuite_bundle.resolve())
    assert datetime.now(timezone.utc) - info.fetched_at < timedelta(hours=1)
    assert {f.path for f in info.files} == original_paths(netsuite_bundle)
    bundle = cache.bundle_dir(VERSION)
    assert info.total_bytes == sum((bundle / f.path).stat().st_size for f in info.files)
    # The copy's `.//platform.coreTypes.xsd` comes out as a clean relative path.
    core = (bundle / "xsd" / "platform.core.xsd").read_text()
    assert 'schemaLocation="platform.coreTypes.xsd"' in core
    assert ".//" not in core


def test_copy_from_the_wsdl_file_itself(netsuite_bundle: Path, tmp_path: Path) -> None:
    cache = WsdlCache(tmp_path / "cache")
    path = cache.fetch(VERSION, netsuite_bundle / "netsuite.wsdl")
    assert {f.path for f in cache.verify(VERSION).files} == original_paths(netsuite_bundle)
    assert path.read_bytes().count(b"schemaLocation=") == (
        netsuite_bundle / "netsuite.wsdl"
    ).read_bytes().count(b"schemaLocation=")


def test_ensure_fetches_a_missing_bundle_once(netsuite_bundle: Path, tmp_path: Path) -> None:
    cache = WsdlCache(tmp_path / "cache")
    with pytest.raises(BundleNotFoundError, match="not cached"):
        cache.load(VERSION)
    path = cache.ensure(VERSION, netsuite_bundle)
    fetched_at = cache.verify(VERSION).fetched_at
    stamp = path.stat().st_mtime_ns
    assert cache.ensure(VERSION, tmp_path / "no-such-source") == path  # cached: the source is not touched
    assert path.stat().st_mtime_ns == stamp
    assert cache.verify(VERSION).fetched_at == fetched_at


# --- damage is detected, named and repaired --------------------------------------------------------------

DAMAGE: dict[str, Callable[[Path], None]] = {
    "byte changed": lambda f: f.write_bytes(
        (lambda b: b[: len(b) // 2] + bytes([b[len(b) // 2] ^ 0x20]) + b[len(b) // 2 + 1 :])(f.read_bytes())
    ),
    "deleted": lambda f: f.unlink(),
    "truncated": lambda f: f.write_bytes(f.read_bytes()[:1000]),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_file_is_named_and_ensure_fetches_again(
    damage: str, cache: WsdlCache, netsuite_bundle: Path, pristine_root: Path, caplog: Any
) -> None:
    victim = cache.bundle_dir(VERSION) / "xsd" / "platform.core.xsd"
    DAMAGE[damage](victim)

    with pytest.raises(CorruptBundleError, match=r"xsd/platform\.core\.xsd") as info:
        cache.load(VERSION)
    assert info.value.file == victim
    assert info.value.version == VERSION

    with caplog.at_level(logging.WARNING, logger="suitetalk.wsdl"):
        path = cache.ensure(VERSION, netsuite_bundle)
    assert any("platform.core.xsd" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert cache.load(VERSION) == path
    assert victim.read_bytes() == (pristine_root / VERSION / "xsd" / "platform.core.xsd").read_bytes()
    assert leftovers(cache.root) == []


def test_missing_manifest_means_a_partial_bundle(cache: WsdlCache) -> None:
    (cache.bundle_dir(VERSION) / "manifest.json").unlink()
    with pytest.raises(CorruptBundleError, match=r"manifest\.json is missing"):
        cache.load(VERSION)


def test_unreadable_manifest_is_named(cache: WsdlCache) -> None:
    path = cache.bundle_dir(VERSION) / "manifest.json"
    path.write_text(path.read_text()[:100])
    with pytest.raises(CorruptBundleError, match=r"manifest\.json is unreadable") as info:
        cache.load(VERSION)
    assert info.value.file == path


def test_a_referenced_file_dropped_with_its_manifest_entry_is_detected(cache: WsdlCache) -> None:
    bundle = cache.bundle_dir(VERSION)
    data = manifest(cache)
    data["files"] = [f for f in data["files"] if f["path"] != "xsd/platform.coreTypes.xsd"]
    (bundle / "manifest.json").write_text(json.dumps(data))
    (bundle / "xsd" / "platform.coreTypes.xsd").unlink()
    with pytest.raises(CorruptBundleError, match=r"references xsd/platform\.coreTypes\.xsd, which is not"):
        cache.load(VERSION)


def test_a_manifest_path_escaping_the_bundle_is_refused(cache: WsdlCache) -> None:
    data = manifest(cache)
    data["files"][1]["path"] = "../../etc/passwd"
    (cache.bundle_dir(VERSION) / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(CorruptBundleError, match="unsafe path"):
        cache.load(VERSION)


# --- two processes at once -------------------------------------------------------------------------------


def _fetch_in_child(root: str, source: str, barrier: Any, results: Any) -> None:
    """Runs in a spawned process: fetch, but wait for the other process before renaming into place."""
    install = WsdlCache._install

    def install_together(self: WsdlCache, *args: Any) -> None:
        barrier.wait(timeout=60)  # both bundles are built: the renames now really race
        install(self, *args)

    WsdlCache._install = install_together  # type: ignore[method-assign]
    try:
        path = WsdlCache(root).fetch(VERSION, source)
        results.put(("ok", str(path)))
    except BaseException as exc:
        results.put(("error", repr(exc)))


def test_two_processes_fetching_at_once_leave_one_good_bundle(netsuite_bundle: Path, tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    root = tmp_path / "cache"
    procs = [
        ctx.Process(target=_fetch_in_child, args=(str(root), str(netsuite_bundle), barrier, results))
        for _ in range(2)
    ]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0

    cache = WsdlCache(root)
    assert outcomes == [("ok", str(cache.wsdl_path(VERSION)))] * 2
    assert {f.path for f in cache.verify(VERSION).files} == original_paths(netsuite_bundle)
    assert sorted(p.name for p in root.iterdir()) == [VERSION]


def test_fetch_replaces_a_different_bundle(netsuite_bundle: Path, tmp_path: Path) -> None:
    cache = WsdlCache(tmp_path / "cache")
    cache.fetch(VERSION, write_mini_bundle(tmp_path / "mini"))
    assert len(cache.verify(VERSION).files) == 2
    cache.fetch(VERSION, netsuite_bundle)
    assert {f.path for f in cache.verify(VERSION).files} == original_paths(netsuite_bundle)
    assert leftovers(cache.root) == []


# --- refusing what is not a bundle -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "prepare", "message"),
    [
        (
            "not XML",
            lambda d: (d / "xsd" / "a.xsd").write_text("<html><body>Login</body"),
            r"a\.xsd: it is not XML",
        ),
        (
            "DTD",
            lambda d: write_mini_bundle(d, wsdl_head='<!DOCTYPE definitions [<!ENTITY e "x">]>'),
            r"netsuite\.wsdl: it has a DTD",
        ),
        (
            "schema expected",
            lambda d: (d / "xsd" / "a.xsd").write_text("<definitions/>"),
            "expected an XML schema",
        ),
        (
            "other version",
            lambda d: write_mini_bundle(d, version="2024_1"),
            "it is the WSDL of version 2024_1",
        ),
        (
            "outside the folder",
            lambda d: write_mini_bundle(d, location="../secret.xsd"),
            "outside the source folder",
        ),
        (
            "network from a folder",
            lambda d: write_mini_bundle(d, location="https://webservices.netsuite.com/xsd/a.xsd"),
            "uses no network",
        ),
    ],
)
def test_refused_documents_store_nothing(
    kind: str, prepare: Callable[[Path], Any], message: str, tmp_path: Path
) -> None:
    source = write_mini_bundle(tmp_path / "src" / "bundle")
    (tmp_path / "src" / "secret.xsd").write_text(f'<xsd:schema xmlns:xsd="{XSD}"/>')
    prepare(source)
    cache = WsdlCache(tmp_path / "cache")
    with pytest.raises(FetchError, match=message):
        cache.fetch(VERSION, source)
    assert not cache.bundle_dir(VERSION).exists()
    assert not cache.root.exists() or leftovers(cache.root) == []


def test_file_count_limit(netsuite_bundle: Path, tmp_path: Path) -> None:
    cache = WsdlCache(tmp_path / "cache", max_files=5)
    with pytest.raises(FetchError, match="exceed 5 files"):
        cache.fetch(VERSION, netsuite_bundle)
    assert not cache.bundle_dir(VERSION).exists()


def test_fetch_errors_are_bundle_errors() -> None:
    assert issubclass(FetchError, BundleError)
    assert issubclass(CorruptBundleError, BundleError)
    assert issubclass(BundleNotFoundError, BundleError)


# --- where the cache lives, listing, removing ------------------------------------------------------------


def test_cache_root_explicit_then_env_then_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert WsdlCache().root == tmp_path / "home" / ".cache" / "suitetalk" / "wsdl" == default_cache_dir()

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert WsdlCache().root == tmp_path / "xdg" / "suitetalk" / "wsdl"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert WsdlCache().root == tmp_path / "home" / ".cache" / "suitetalk" / "wsdl"

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "from-env"))
    assert WsdlCache().root == tmp_path / "from-env"
    assert WsdlCache(tmp_path / "explicit").root == tmp_path / "explicit"
    assert WsdlCache(str(tmp_path / "explicit")).root == tmp_path / "explicit"


def test_default_cache_dir_on_windows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(wsdl_module.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert default_cache_dir() == tmp_path / "Local" / "suitetalk" / "wsdl"


def test_default_cache_dir_is_outside_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    package = Path(wsdl_module.__file__).resolve().parent
    assert not default_cache_dir().resolve().is_relative_to(package.parent)


def test_list_and_remove(cache: WsdlCache) -> None:
    (infos,) = cache.list()
    assert (infos.version, infos.path) == (VERSION, cache.wsdl_path(VERSION))
    cache.remove(VERSION)
    assert cache.list() == []
    with pytest.raises(BundleNotFoundError):
        cache.load(VERSION)
    with pytest.raises(BundleNotFoundError):
        cache.remove(VERSION)
    assert list(cache.root.iterdir()) == []


def test_versions_are_validated(tmp_path: Path) -> None:
    cache = WsdlCache(tmp_path)
    for bad in ("2023-2", "../2023_2", "latest"):
        with pytest.raises(ValueError, match="YYYY_N"):
            cache.load(bad)
