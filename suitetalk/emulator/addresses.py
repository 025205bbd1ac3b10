"""Address columns of advanced searches, answered from a record's addresses.

NetSuite's entity search rows have three families of address columns:

- ``bill...`` (``billCity``, ``billZipCode``...): the default billing address;
- ``ship...`` (``shipCity``, ``shipZip``...): the default shipping address;
- plain ones (``address1``, ``city``, ``zipCode``, ``addressLabel``, ``addressInternalId``,
  ``isDefaultBilling``...): each address of the address book, one row per address, as NetSuite gives a row
  per address when such a column is asked for (a record with no address still gives one row).

An entity's addresses are its ``addressbookList`` entries (their ``addressbookAddress``); a transaction's are
its ``billingAddress`` and ``shippingAddress``.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from .bundle import RecordTypeInfo
from .records import local_name

#: Prefix of a column's index name when it is answered from addresses.
ADDRESS_PREFIX = "address:"
#: Name of the row key part saying which address a row shows.
ADDRESS_PART = "@address"

#: Column name suffix -> the ``Address`` field it shows (``None``: the whole address as text).
_FIELDS: Mapping[str, str | None] = {
    "Address": None,
    "Address1": "addr1",
    "Address2": "addr2",
    "Address3": "addr3",
    "Addressee": "addressee",
    "Attention": "attention",
    "City": "city",
    "Country": "country",
    "Phone": "addrPhone",
    "State": "state",
    "Zip": "zip",
    "ZipCode": "zip",
}
#: Plain (per address) columns that are not fields of the address itself.
_ENTRY_FIELDS: Mapping[str, str] = {
    "addressInternalId": "internalId",
    "addressLabel": "label",
    "isDefaultBilling": "defaultBilling",
    "isDefaultShipping": "defaultShipping",
}
_PLAIN: Mapping[str, str | None] = {
    "address": None,
    "address1": "addr1",
    "address2": "addr2",
    "address3": "addr3",
    "addressee": "addressee",
    "addressPhone": "addrPhone",
    "attention": "attention",
    "city": "city",
    "country": "country",
    "state": "state",
    "zipCode": "zip",
}


def address_column(name: str) -> tuple[str, str | None] | None:
    """``(which, field)`` for an address column: which is ``billing``, ``shipping`` or ``each``; field the
    ``Address`` (or address book entry) field; ``None`` when ``name`` is not an address column."""
    for prefix, which in (("bill", "billing"), ("ship", "shipping")):
        if name.startswith(prefix) and name[len(prefix) :] in _FIELDS:
            return which, _FIELDS[name[len(prefix) :]]
    if name in _PLAIN:
        return "each", _PLAIN[name]
    if name in _ENTRY_FIELDS:
        return "each", "entry:" + _ENTRY_FIELDS[name]
    return None


def _child(parent: etree._Element | None, name: str) -> etree._Element | None:
    if parent is None:
        return None
    return next((c for c in parent if isinstance(c.tag, str) and local_name(c) == name), None)


def _text(parent: etree._Element | None, name: str) -> str | None:
    node = _child(parent, name)
    return None if node is None or node.text is None else node.text


def _full_text(address: etree._Element) -> str:
    text = _text(address, "addrText")
    if text:
        return text
    parts = [_text(address, n) for n in ("addressee", "attention", "addr1", "addr2", "addr3")]
    city_line = " ".join(
        p for p in (_text(address, "city"), _text(address, "state"), _text(address, "zip")) if p
    )
    return "\n".join(p for p in [*parts, city_line] if p)


class Addresses:
    """The addresses of one stored record (its canonical body)."""

    def __init__(self, info: RecordTypeInfo, root: etree._Element) -> None:
        self.entries: list[tuple[etree._Element | None, etree._Element]] = []
        book = _child(root, "addressbookList")
        if book is not None:
            for entry in (c for c in book if isinstance(c.tag, str)):
                address = _child(entry, "addressbookAddress")
                if address is not None:
                    self.entries.append((entry, address))
        billing = self._default("defaultBilling")
        shipping = self._default("defaultShipping")
        self.billing = billing if billing is not None else _child(root, "billingAddress")
        self.shipping = shipping if shipping is not None else _child(root, "shippingAddress")

    def _default(self, flag: str) -> etree._Element | None:
        for entry, address in self.entries:
            if (_text(entry, flag) or "").strip().lower() in ("true", "1"):
                return address
        return None

    def value(self, column: str, index: int | None) -> str | bool | None:
        """The value of address column ``column`` (for ``each`` columns, of the address at ``index``)."""
        spec = address_column(column)
        if spec is None:
            return None
        which, field = spec
        entry: etree._Element | None = None
        if which == "billing":
            address = self.billing
        elif which == "shipping":
            address = self.shipping
        else:
            if index is None or not 0 <= index < len(self.entries):
                return None
            entry, address = self.entries[index]
        if address is None:
            return None
        if field is None:
            return _full_text(address) or None
        if field.startswith("entry:"):
            text = _text(entry, field.removeprefix("entry:"))
            if field in ("entry:defaultBilling", "entry:defaultShipping"):
                return (text or "").strip().lower() in ("true", "1")
            return text
        return _text(address, field)
