"""The codec's schema map is compiled once per bundle, stored beside it in the WSDL cache and covered by its
manifest: a later client loads it without zeep's WSDL model, and a damaged copy is never used."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from suitetalk.codec import store
from suitetalk.codec.schema_map import SchemaMap
from suitetalk.codec.store import MAP_NAME, load_schema_map
from suitetalk.wsdl import CorruptBundleError, WsdlCache, make_zeep_client

VERSION = "2023_2"


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory, netsuite_bundle: Path) -> tuple[WsdlCache, Path]:
    cache = WsdlCache(tmp_path_factory.mktemp("cache"))
    return cache, cache.fetch(VERSION, netsuite_bundle)


@pytest.fixture(autouse=True)
def empty_memory() -> Iterator[None]:
    store._memo.clear()
    yield
    store._memo.clear()


class Zeep:
    """Counts how often zeep's model had to be loaded."""

    def __init__(self, wsdl: Path) -> None:
        self.wsdl = wsdl
        self.loads = 0

    def __call__(self) -> Any:
        self.loads += 1
        client, _ = make_zeep_client(self.wsdl, "http://127.0.0.1:9/x", version=VERSION)
        return client


def test_the_map_is_stored_beside_the_bundle_and_loaded_without_zeep(cached: tuple[WsdlCache, Path]) -> None:
    cache, wsdl = cached
    zeep = Zeep(wsdl)
    first = load_schema_map(wsdl, VERSION, zeep, cache=cache)
    assert zeep.loads == 1
    listed = {f.path: f for f in cache.verify(VERSION).files}
    assert MAP_NAME in listed
    assert listed[MAP_NAME].size == (cache.bundle_dir(VERSION) / MAP_NAME).stat().st_size

    store._memo.clear()
    second = load_schema_map(wsdl, VERSION, zeep, cache=cache)
    assert zeep.loads == 1  # read from the cache: zeep's model was not needed
    assert isinstance(second, SchemaMap)
    assert second.data == json.loads(json.dumps(first.data))


def test_a_damaged_map_is_detected_and_compiled_again(cached: tuple[WsdlCache, Path]) -> None:
    cache, wsdl = cached
    zeep = Zeep(wsdl)
    load_schema_map(wsdl, VERSION, zeep, cache=cache)
    path = cache.bundle_dir(VERSION) / MAP_NAME
    path.write_bytes(path.read_bytes().replace(b"Customer", b"Kustomer", 1))
    with pytest.raises(CorruptBundleError, match=MAP_NAME):
        cache.verify(VERSION)
    store._memo.clear()
    before = zeep.loads
    rebuilt = load_schema_map(wsdl, VERSION, zeep, cache=cache)
    assert zeep.loads == before + 1
    assert f"{{urn:relationships_{VERSION}.lists.webservices.netsuite.com}}Customer" in rebuilt
    cache.verify(VERSION)  # stored again, and the bundle verifies


def test_a_bundle_file_cannot_be_overwritten_as_derived(cached: tuple[WsdlCache, Path]) -> None:
    cache, _ = cached
    with pytest.raises(ValueError, match="file of the bundle itself"):
        cache.store_derived(VERSION, "netsuite.wsdl", b"<x/>")
