"""``suitetalk wsdl fetch|import|list|remove``: the local cache of NetSuite's WSDL bundles.

The client loads a version's WSDL from this cache (fetching it once when it is missing), so a machine
without internet access can be prepared by importing a bundle folder copied from elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from lxml import etree

from .. import endpoints
from ..config import DEFAULT_VERSION
from ..namespaces import check_version, version_of_namespace
from ..wsdl import BundleNotFoundError, WsdlCache
from . import console
from .exits import CliError, ExitCode

_cache_option = click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SUITETALK_WSDL_CACHE",
    help="Cache folder (default: $SUITETALK_WSDL_CACHE, else the user's cache folder).",
)


def _version(value: str) -> str:
    try:
        return check_version(value)
    except ValueError as exc:
        raise CliError(str(exc), ExitCode.USAGE) from None


@click.group("wsdl")
def wsdl_group() -> None:
    """Manage the local cache of NetSuite WSDL bundles.

    \b
    Examples:
      suitetalk wsdl fetch --version 2025_2
      suitetalk wsdl list
    """


@wsdl_group.command("fetch")
@click.option("--version", "version", default=DEFAULT_VERSION, show_default=True, help="Endpoint version.")
@click.option(
    "--source",
    metavar="URL",
    help="Where to fetch the WSDL from (default: NetSuite's published URL for the version).",
)
@_cache_option
def fetch_command(version: str, source: str | None, cache_dir: Path | None) -> None:
    """Fetch a version's WSDL and schemas into the cache (replacing a cached copy that differs).

    \b
    Example:
      suitetalk wsdl fetch --version 2025_2
    """
    version = _version(version)
    cache = WsdlCache(cache_dir)
    url = source or endpoints.wsdl_url(version)
    console.message(f"Fetching the {version} WSDL from {url} ...")
    path = cache.fetch(version, url)
    info = cache.verify(version)
    click.echo(f"{version}: {len(info.files)} files, {info.total_bytes} bytes in {path.parent}")


@wsdl_group.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--version", "version", help="Endpoint version (default: read from the WSDL).")
@_cache_option
def import_command(source: Path, version: str | None, cache_dir: Path | None) -> None:
    """Copy a WSDL bundle from a local folder (or its netsuite.wsdl) into the cache, with no network.

    \b
    Example:
      suitetalk wsdl import ./netsuite-2023_2/
    """
    wsdl_file = source / "netsuite.wsdl" if source.is_dir() else source
    if not wsdl_file.is_file():
        raise CliError(f"no netsuite.wsdl in {source}", ExitCode.USAGE)
    chosen = _version(version) if version else _version_of(wsdl_file)
    cache = WsdlCache(cache_dir)
    path = cache.fetch(chosen, source)
    info = cache.verify(chosen)
    click.echo(f"{chosen}: {len(info.files)} files, {info.total_bytes} bytes in {path.parent}")


def _version_of(wsdl_file: Path) -> str:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        namespace = etree.parse(str(wsdl_file), parser).getroot().get("targetNamespace", "")
    except etree.XMLSyntaxError as exc:
        raise CliError(f"{wsdl_file} is not XML: {exc}", ExitCode.USAGE) from None
    found = version_of_namespace(namespace)
    if found is None:
        raise CliError(
            f"cannot tell the endpoint version of {wsdl_file} (targetNamespace {namespace!r}): "
            "pass --version",
            ExitCode.USAGE,
        )
    return found


@wsdl_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_cache_option
def list_command(as_json: bool, cache_dir: Path | None) -> None:
    """List the cached bundles: version, files, size, when and where from.

    \b
    Example:
      suitetalk wsdl list --json
    """
    cache = WsdlCache(cache_dir)
    bundles = cache.list()
    entries = [
        {
            "version": b.version,
            "files": len(b.files),
            "bytes": b.total_bytes,
            "fetched_at": b.fetched_at.isoformat(),
            "source": b.source,
            "path": str(b.path.parent),
        }
        for b in bundles
    ]
    if as_json:
        click.echo(json.dumps(entries, indent=2))
        return
    if not entries:
        console.message(f"No WSDL bundles cached in {cache.root}.")
        return
    for entry in entries:
        click.echo(
            f"{entry['version']}  {entry['files']:>3} files  {entry['bytes']:>9} bytes  "
            f"{entry['fetched_at']}  {entry['source']}"
        )


@wsdl_group.command("remove")
@click.argument("version")
@_cache_option
def remove_command(version: str, cache_dir: Path | None) -> None:
    """Delete a version's bundle from the cache.

    \b
    Example:
      suitetalk wsdl remove 2023_2
    """
    cache = WsdlCache(cache_dir)
    try:
        cache.remove(_version(version))
    except BundleNotFoundError as exc:
        raise CliError(str(exc), ExitCode.USAGE) from None
    console.message(f"Removed {version} from {cache.root}.")
