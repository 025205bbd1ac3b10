"""The emulator's compact WSDL and XSD set, rendered for any endpoint version.

NetSuite's own bundle is about 45 files and 2.7 MB. The emulator ships a compact subset of it: the same file
names, namespaces, element and type names, enum values, operations and bindings, keeping only the parts the
emulator serves (the platform schemas, a handful of common record types and their searches). Every
declaration in it is NetSuite's own with some optional children, attributes or enum values left out, so a
client built against the compact bundle sends documents the real service accepts, and the other way round.

The files are kept as templates in ``templates/`` with ``${version}`` wherever NetSuite's namespaces and
endpoint path carry the version; rendering substitutes it, so the same version always gives the same bytes.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from suitetalk.namespaces import check_version

__all__ = [
    "COVERED_OPERATIONS",
    "COVERED_RECORD_TYPES",
    "COVERED_SEARCH_RECORD_TYPES",
    "SCHEMA_FILES",
    "generate_bundle",
    "record_type_qname",
    "render_bundle",
    "search_type_qname",
]

#: Files of a bundle, relative to its folder, laid out as NetSuite lays them out.
SCHEMA_FILES: tuple[str, ...] = (
    "netsuite.wsdl",
    "xsd/platform.core.xsd",
    "xsd/platform.coreTypes.xsd",
    "xsd/platform.faults.xsd",
    "xsd/platform.faultTypes.xsd",
    "xsd/platform.messages.xsd",
    "xsd/platform.common.xsd",
    "xsd/platform.commonTypes.xsd",
    "xsd/lists.relationships.xsd",
    "xsd/lists.relationshipTypes.xsd",
    "xsd/lists.employees.xsd",
    "xsd/lists.accounting.xsd",
    "xsd/transactions.sales.xsd",
    "xsd/transactions.saleTypes.xsd",
    "xsd/setup.customization.xsd",
)

#: Operations of ``NetSuitePortType`` / ``NetSuiteBinding`` in the compact WSDL, in NetSuite's order.
COVERED_OPERATIONS: tuple[str, ...] = (
    "add",
    "delete",
    "search",
    "searchMoreWithId",
    "update",
    "upsert",
    "addList",
    "deleteList",
    "updateList",
    "upsertList",
    "get",
    "getList",
    "getAll",
    "getSavedSearch",
    "getCustomizationId",
    "initialize",
    "initializeList",
    "getSelectValue",
    "getDataCenterUrls",
    "getServerTime",
    "attach",
    "detach",
    "asyncAddList",
    "asyncUpdateList",
    "asyncUpsertList",
    "asyncDeleteList",
    "asyncGetList",
    "asyncSearch",
    "getAsyncResult",
    "checkAsyncStatus",
    "getDeleted",
    "getAccountGovernanceInfo",
    "getIntegrationGovernanceInfo",
)

# NetSuite RecordType value -> (namespace package, namespace group, complexType name).
_RECORDS: Mapping[str, tuple[str, str, str]] = {
    "customer": ("relationships", "lists", "Customer"),
    "contact": ("relationships", "lists", "Contact"),
    "vendor": ("relationships", "lists", "Vendor"),
    "employee": ("employees", "lists", "Employee"),
    "inventoryItem": ("accounting", "lists", "InventoryItem"),
    "nonInventorySaleItem": ("accounting", "lists", "NonInventorySaleItem"),
    "nonInventoryResaleItem": ("accounting", "lists", "NonInventoryResaleItem"),
    "salesOrder": ("sales", "transactions", "SalesOrder"),
    "invoice": ("sales", "transactions", "Invoice"),
    "customRecord": ("customization", "setup", "CustomRecord"),
}

# NetSuite SearchRecordType value -> (namespace package, group, search type name without "Search").
_SEARCHES: Mapping[str, tuple[str, str, str]] = {
    "customer": ("relationships", "lists", "Customer"),
    "contact": ("relationships", "lists", "Contact"),
    "vendor": ("relationships", "lists", "Vendor"),
    "employee": ("employees", "lists", "Employee"),
    "item": ("accounting", "lists", "Item"),
    "transaction": ("sales", "transactions", "Transaction"),
    "customRecord": ("customization", "setup", "CustomRecord"),
}

#: NetSuite ``RecordType`` values whose records the compact bundle declares.
COVERED_RECORD_TYPES: tuple[str, ...] = tuple(_RECORDS)

#: NetSuite ``SearchRecordType`` values whose searches (basic, plain, advanced) the compact bundle declares.
COVERED_SEARCH_RECORD_TYPES: tuple[str, ...] = tuple(_SEARCHES)

_SEARCH_KINDS = ("basic", "search", "advanced", "row", "rowBasic")


def _namespace(package: str, group: str, version: str) -> str:
    return f"urn:{package}_{version}.{group}.webservices.netsuite.com"


def record_type_qname(record_type: str, version: str) -> str:
    """Qualified name (``{namespace}Local``) of the complexType of a covered ``RecordType`` value.

    ``record_type_qname("customer", "2025_2")`` is
    ``{urn:relationships_2025_2.lists.webservices.netsuite.com}Customer``.
    """
    check_version(version)
    try:
        package, group, name = _RECORDS[record_type]
    except KeyError:
        raise ValueError(
            f"record type {record_type!r} is not in the compact schema; covered: {', '.join(_RECORDS)}"
        ) from None
    return f"{{{_namespace(package, group, version)}}}{name}"


def search_type_qname(search_record_type: str, version: str, kind: str = "search") -> str:
    """Qualified name of a search type of a covered ``SearchRecordType`` value.

    ``kind`` picks the type: ``basic`` (``CustomerSearchBasic``, in the common namespace), ``search``
    (``CustomerSearch``), ``advanced`` (``CustomerSearchAdvanced``), ``row`` (``CustomerSearchRow``) or
    ``rowBasic`` (``CustomerSearchRowBasic``, in the common namespace).
    """
    check_version(version)
    try:
        package, group, stem = _SEARCHES[search_record_type]
    except KeyError:
        raise ValueError(
            f"search record type {search_record_type!r} is not in the compact schema; "
            f"covered: {', '.join(_SEARCHES)}"
        ) from None
    if kind in ("basic", "rowBasic"):
        suffix = "SearchBasic" if kind == "basic" else "SearchRowBasic"
        return f"{{{_namespace('common', 'platform', version)}}}{stem}{suffix}"
    suffixes = {"search": "Search", "advanced": "SearchAdvanced", "row": "SearchRow"}
    if kind not in suffixes:
        raise ValueError(f"unknown search type kind {kind!r}: expected one of {', '.join(_SEARCH_KINDS)}")
    return f"{{{_namespace(package, group, version)}}}{stem}{suffixes[kind]}"


@functools.cache
def _templates() -> dict[str, string.Template]:
    root = resources.files(__name__).joinpath("templates")
    templates: dict[str, string.Template] = {}
    for relative in SCHEMA_FILES:
        resource = root
        for part in relative.split("/"):
            resource = resource.joinpath(part)
        templates[relative] = string.Template(resource.read_text(encoding="utf-8"))
    return templates


def render_bundle(version: str) -> dict[str, bytes]:
    """The compact bundle for ``version`` in memory: relative path (as in :data:`SCHEMA_FILES`) -> bytes.

    Raises ``ValueError`` if ``version`` is not NetSuite's ``YYYY_N`` form.
    """
    check_version(version)
    return {
        relative: template.substitute(version=version).encode("utf-8")
        for relative, template in _templates().items()
    }


def generate_bundle(version: str, dest: Path) -> Path:
    """Write ``netsuite.wsdl`` and ``xsd/*.xsd`` for ``version`` into ``dest``; return the WSDL's path.

    ``dest`` is created if needed; files of an earlier bundle there are overwritten. Raises ``ValueError`` if
    ``version`` is not NetSuite's ``YYYY_N`` form (nothing is written then).
    """
    files = render_bundle(version)
    dest = Path(dest)
    (dest / "xsd").mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        (dest / relative).write_bytes(content)
    return dest / "netsuite.wsdl"
