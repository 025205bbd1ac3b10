"""Search criteria from the concise form, and the lazy paginator's page logic."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import zeep

from suitetalk.errors import InputError, RecordError, SearchExpiredError
from suitetalk.search import CriteriaError, SearchPage, SearchResults, build_basic_search

CORE = "urn:core_2023_2.platform.webservices.netsuite.com"
COMMON = "urn:common_2023_2.platform.webservices.netsuite.com"


@pytest.fixture(scope="module")
def client(netsuite_bundle: Path) -> zeep.Client:
    return zeep.Client(str(netsuite_bundle / "netsuite.wsdl"))


def _build(client: zeep.Client, where: dict[str, Any]) -> Any:
    search_type = client.get_type(f"{{{COMMON}}}CustomerSearchBasic")
    return build_basic_search(search_type, where, make_type=lambda name: client.get_type(f"{{{CORE}}}{name}"))


def test_concise_conditions_become_netsuite_search_fields(client: zeep.Client) -> None:
    basic = _build(
        client,
        {
            "email": ("contains", "@example.com"),
            "companyName": "Acme",
            "isInactive": False,
            "dateCreated": ("within", date(2024, 1, 1), datetime(2024, 2, 1, 12)),
            "internalId": ("anyOf", [1, "2"]),
            "balance": ("greaterThan", 10.5),
            "lastModifiedDate": ("after", datetime(2024, 5, 1)),
            "phone": ("empty",),
        },
    )
    assert basic.email.operator == "contains"
    assert basic.email.searchValue == "@example.com"
    assert basic.companyName.operator == "is"
    assert basic.isInactive.searchValue is False
    assert basic.dateCreated.searchValue == datetime(2024, 1, 1)
    assert basic.dateCreated.searchValue2 == datetime(2024, 2, 1, 12)
    assert [ref.internalId for ref in basic.internalId.searchValue] == ["1", "2"]
    assert basic.balance.searchValue == 10.5
    assert basic.phone.operator == "empty"
    assert basic.phone.searchValue is None


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"emial": ("is", "x")}, "no search field 'emial'; did you mean email"),
        ({"email": ("greaterThan", "x")}, "operator 'greaterThan' does not apply to 'email'"),
        ({"companyName": ("startswith", "x")}, r"'startswith' .* \(did you mean 'startsWith'\?\)"),
        ({"companyName": ("startWith", "x")}, r"did you mean 'startsWith'"),
        ({"balance": ("greaterThen", 1)}, r"did you mean 'greaterThan'"),
        ({"dateCreated": ("onorafter", date(2024, 1, 1))}, r"did you mean 'onOrAfter'"),
        ({"dateCreated": ("within", date(2024, 1, 1))}, "takes 2 value"),
        ({"isInactive": "yes"}, "expected True or False"),
        ({"dateCreated": "yesterday"}, "expected a datetime or date"),
        ({"internalId": ("anyOf", [None])}, "takes internal ids"),
        ({"balance": ("equalTo", "ten")}, "expected an int or float"),
    ],
)
def test_bad_conditions_are_named_before_sending(
    client: zeep.Client, where: dict[str, Any], message: str
) -> None:
    with pytest.raises(CriteriaError, match=message):
        _build(client, where)


def _page(index: int, total_pages: int, items: list[int], search_id: str | None = "S1") -> SearchPage:
    return SearchPage(index, total_pages, total_pages * 3, 3, search_id, records=items)


class FakeServer:
    """Pages of three numbers; counts calls so laziness can be asserted."""

    def __init__(self, total_pages: int) -> None:
        self.total_pages = total_pages
        self.calls: list[tuple[str, int]] = []

    def items(self, index: int) -> list[int]:
        return [index * 10 + i for i in range(3)]

    def run(self) -> SearchPage:
        self.calls.append(("search", 1))
        return _page(1, self.total_pages, self.items(1) if self.total_pages else [])

    def more(self, search_id: str, index: int) -> SearchPage:
        assert search_id == "S1"
        self.calls.append(("more", index))
        return _page(index, self.total_pages, self.items(index))


def test_iterates_every_page_once_and_lazily() -> None:
    server = FakeServer(4)
    results = SearchResults(server.run, server.more)
    assert server.calls == []
    assert results.total_records == 12
    assert results.total_pages == 4
    iterator = iter(results)
    assert next(iterator) == 10
    assert server.calls == [("search", 1)]
    assert list(iterator) == [11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42]
    assert server.calls == [("search", 1), ("more", 2), ("more", 3), ("more", 4)]


def test_resume_from_a_page_index() -> None:
    server = FakeServer(5)
    assert [p.page_index for p in SearchResults(server.run, server.more, start_page=4).pages()] == [4, 5]
    server.calls.clear()
    resumed = SearchResults(server.run, server.more, start_page=3, search_id="S1")
    assert list(resumed)[:3] == [30, 31, 32]
    assert ("search", 1) not in server.calls
    with pytest.raises(ValueError, match="numbered from 1"):
        SearchResults(server.run, server.more, start_page=0)


def test_empty_search() -> None:
    server = FakeServer(0)
    results = SearchResults(server.run, server.more)
    assert list(results) == []
    assert results.total_records == 0


def _status(success: bool, code: str | None = None) -> Any:
    details = [SimpleNamespace(code=code, message="bad", type="ERROR")] if code else []
    return SimpleNamespace(isSuccess=success, statusDetail=details)


def test_failed_search_result_raises_typed_errors() -> None:
    expired = SimpleNamespace(status=_status(False, "INVALID_JOB_ID"))
    with pytest.raises(SearchExpiredError, match="expire 15 minutes") as info:
        SearchPage.from_zeep(expired, operation="searchMoreWithId", ns_id="N1")
    assert info.value.ns_id == "N1"
    assert info.value.code == "INVALID_JOB_ID"
    with pytest.raises(RecordError) as other:
        SearchPage.from_zeep(SimpleNamespace(status=_status(False, "USER_ERROR")), operation="search")
    assert type(other.value) is RecordError


def test_page_from_zeep_result() -> None:
    result = SimpleNamespace(
        status=_status(True),
        totalRecords=7,
        pageSize=5,
        totalPages=2,
        pageIndex=2,
        searchId="X",
        recordList=SimpleNamespace(record=["a", "b"]),
        searchRowList=None,
    )
    page = SearchPage.from_zeep(result, operation="searchMoreWithId")
    assert (page.page_index, page.total_pages, page.total_records, page.search_id) == (2, 2, 7, "X")
    assert list(page.items) == ["a", "b"]


def test_pages_fetched_ahead_stop_where_a_later_page_says_the_search_now_ends() -> None:
    """Records deleted mid-iteration shrink the page count: pages fetched ahead past it are dropped."""

    def more(search_id: str, index: int) -> SearchPage:
        if index > 4:
            raise RecordError("page index out of range", operation="searchMoreWithId")
        return _page(index, 6 if index < 3 else 4, [index])

    def run() -> SearchPage:
        return _page(1, 6, [1])

    for prefetch in (0, 1, 3, 5):
        results = SearchResults(run, more, prefetch=prefetch)
        assert [p.page_index for p in results.pages()] == [1, 2, 3, 4], prefetch


def test_bad_prefetch_values_are_refused_before_anything_is_sent() -> None:
    server = FakeServer(2)
    for bad in (-1, 101, 1.5, True, "2"):
        with pytest.raises(InputError, match="whole number from 0"):
            SearchResults(server.run, server.more, prefetch=bad)  # type: ignore[arg-type]
    assert server.calls == []
