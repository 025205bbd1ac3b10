"""What NetSuite computes on a write, applied to a record in stored form before it is kept.

- Sublist lines that have a ``line`` field get numbers, 1, 2, 3... in order; a line added later gets the
  highest number so far plus one (numbers are never reused while the record lives).
- Address book entries (``addressbookList``) get internal ids from one sequence shared by every record.
- Transactions get a document number (``tranId``) from a sequence per record type when none is sent.
- Sales orders get an ``orderStatus`` (``_pendingApproval`` when none is sent) and its ``status`` text;
  invoices the status ``Open``, or ``Paid In Full`` once nothing remains to pay.
- Item lines get ``amount`` = quantity (1 when left out) x rate when no amount is sent; transactions get
  ``subTotal`` (the sum of the line amounts) and ``total`` (subtotal plus shipping cost, tax total and
  discount total, those that are set); invoices ``amountPaid`` (0 unless set) and ``amountRemaining``.

The choices where NetSuite's behaviour depends on account preferences are listed in the fidelity table of
``docs/emulator.md``. Numbers are allocated from the store's sequences; :meth:`Computations.on_create` and
:meth:`Computations.on_merge` may run inside a write transaction, whose numbers then roll back with it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from lxml import etree

from .bundle import FieldKind, QName, RecordTypeInfo, SchemaModel
from .records import local_name
from .storage import RecordStore

#: ``SalesOrderOrderStatus`` value -> the ``status`` text NetSuite shows for it.
SALES_ORDER_STATUS: Mapping[str, str] = {
    "_pendingApproval": "Pending Approval",
    "_pendingFulfillment": "Pending Fulfillment",
    "_cancelled": "Cancelled",
    "_partiallyFulfilled": "Partially Fulfilled",
    "_pendingBillingPartFulfilled": "Pending Billing/Partially Fulfilled",
    "_pendingBilling": "Pending Billing",
    "_fullyBilled": "Billed",
    "_closed": "Closed",
}
DEFAULT_ORDER_STATUS = "_pendingApproval"
ADDRESS_BOOK = "addressbookList"
_TOTAL_PARTS = ("shippingCost", "taxTotal", "discountTotal")


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    value = text.strip()
    if not value or value.endswith("%"):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _money(value: float) -> str:
    """A currency amount as NetSuite writes a double: rounded to cents, ``15993.6``, ``0.0``."""
    return repr(round(value, 2) + 0.0)


class Computations:
    """Fills in what NetSuite computes, for the record types of one schema."""

    def __init__(self, schema: SchemaModel, store: RecordStore) -> None:
        self.schema = schema
        self.store = store

    # ---------------------------------------------------------------------------------- entry points

    def on_create(self, info: RecordTypeInfo, root: etree._Element) -> None:
        """Complete a new record (canonical form) before it is added."""
        self._lines(info, root)
        if info.has("tranId", "tranDate") and not (self._text(root, info, "tranId") or "").strip():
            number = self.store.allocate(f"tranId:{info.record_type}")[0]
            self._set(root, info, "tranId", str(number))
        if (
            info.record_type == "salesOrder"
            and info.has("orderStatus")
            and self._child(root, info, "orderStatus") is None
        ):
            self._set(root, info, "orderStatus", DEFAULT_ORDER_STATUS)
        self._totals(info, root)
        self._status(info, root)

    def on_merge(self, info: RecordTypeInfo, root: etree._Element) -> None:
        """Complete a record after an update was merged into it."""
        self._lines(info, root)
        self._totals(info, root)
        self._status(info, root)

    # ----------------------------------------------------------------------------------------- lines

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one instance per emulator, schema types are finite
    def _line_order(self, list_type: QName) -> tuple[QName, Mapping[str, int]] | None:
        elements = self.schema.all_elements(list_type)
        if len(elements) != 1:
            return None
        line_type = elements[0][1]
        names = [name for name, _, _ in self.schema.all_elements(line_type)]
        return line_type, {name: i for i, name in enumerate(names)}

    def _lines(self, info: RecordTypeInfo, root: etree._Element) -> None:
        list_tags = info.list_tags
        for child in root:
            if child.tag not in list_tags:  # most records have no sublist: a set look-up skips the field
                continue
            field = info.by_tag[child.tag]
            shape = self._line_order(field.type)
            if shape is None:
                continue
            line_type, order = shape
            lines = [c for c in child if isinstance(c.tag, str)]
            if "line" in order:
                taken = [int(n) for n in (_child_text(line, "line") for line in lines) if n and n.isdigit()]
                following = max([0, *taken]) + 1
                for line in lines:
                    if not (_child_text(line, "line") or "").strip().isdigit():
                        _set_child(line, f"{{{line_type[0]}}}line", str(following), order)
                        following += 1
            if field.name == ADDRESS_BOOK and "internalId" in order:
                missing = [line for line in lines if not (_child_text(line, "internalId") or "").strip()]
                for line, number in zip(
                    missing, self.store.allocate("addressbook:", len(missing)), strict=True
                ):
                    _set_child(line, f"{{{line_type[0]}}}internalId", str(number), order)

    # ---------------------------------------------------------------------------------------- totals

    def _totals(self, info: RecordTypeInfo, root: etree._Element) -> None:
        if not info.has("subTotal", "total", "itemList"):
            return
        subtotal = 0.0
        items = self._child(root, info, "itemList")
        shape = self._line_order(info.by_name["itemList"].type)
        if items is not None and shape is not None:
            line_type, order = shape
            for line in (c for c in items if isinstance(c.tag, str)):
                amount = _number(_child_text(line, "amount"))
                if amount is None and "amount" in order:
                    rate = _number(_child_text(line, "rate"))
                    if rate is None:
                        continue
                    quantity = _number(_child_text(line, "quantity"))
                    amount = (1.0 if quantity is None else quantity) * rate
                    _set_child(line, f"{{{line_type[0]}}}amount", _money(amount), order)
                subtotal += amount or 0.0
        total = subtotal + sum(_number(self._text(root, info, name)) or 0.0 for name in _TOTAL_PARTS)
        self._set(root, info, "subTotal", _money(subtotal))
        self._set(root, info, "total", _money(total))
        if info.has("amountPaid", "amountRemaining"):
            paid = _number(self._text(root, info, "amountPaid")) or 0.0
            self._set(root, info, "amountPaid", _money(paid))
            self._set(root, info, "amountRemaining", _money(total - paid))

    def _status(self, info: RecordTypeInfo, root: etree._Element) -> None:
        if not info.has("status") or info.by_name["status"].kind is not FieldKind.STRING:
            return
        if info.record_type == "salesOrder":
            order_status = (self._text(root, info, "orderStatus") or "").strip()
            text = SALES_ORDER_STATUS.get(order_status)
            if text is not None:
                self._set(root, info, "status", text)
        elif info.record_type == "invoice":
            total = _number(self._text(root, info, "total")) or 0.0
            remaining = _number(self._text(root, info, "amountRemaining"))
            paid_in_full = total > 0 and remaining is not None and remaining <= 0
            self._set(root, info, "status", "Paid In Full" if paid_in_full else "Open")

    # --------------------------------------------------------------------------------------- helpers

    def _child(self, root: etree._Element, info: RecordTypeInfo, name: str) -> etree._Element | None:
        return root.find(info.by_name[name].tag)

    def _text(self, root: etree._Element, info: RecordTypeInfo, name: str) -> str | None:
        node = self._child(root, info, name) if name in info.by_name else None
        return None if node is None else node.text

    def _set(self, root: etree._Element, info: RecordTypeInfo, name: str, text: str) -> None:
        """Set a body field, inserting it at its schema position."""
        _set_child(root, info.by_name[name].tag, text, info.position)


def _child_text(parent: etree._Element, name: str) -> str | None:
    for child in parent:
        if isinstance(child.tag, str) and local_name(child) == name:
            return child.text or ""
    return None


def _set_child(parent: etree._Element, tag: str, text: str, order: Mapping[str, int]) -> None:
    """Set the text of ``parent``'s child ``tag``, creating it where the schema's sequence puts it."""
    node = parent.find(tag)
    if node is None:
        node = etree.Element(tag)
        rank = order[etree.QName(tag).localname]
        index = 0
        for i, child in enumerate(parent):
            if isinstance(child.tag, str) and order.get(local_name(child), -1) < rank:
                index = i + 1
        parent.insert(index, node)
    node.text = text
