"""`import-adventureworks`: Microsoft's AdventureWorks install-script CSVs become the embedded source.

The tests write a small folder in the download's three formats (8-bit TAB/LF, UTF-16LE TAB/CRLF, and
`+|`/`&|` rows), import it, and read the SQLite files back independently of the importer.
"""

from __future__ import annotations

import codecs
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import AssetKey

from sales_assets.sandbox.__main__ import main
from sales_assets.sandbox.adventureworks import (
    LAYOUTS,
    AdventureWorksImportError,
    import_adventureworks,
    import_table,
)
from sales_assets.source import queries
from sales_assets.source import tables as t
from sales_assets.source.engine import schema_file, sqlite_engine
from sales_assets_tests.source_rows import connect

D = Decimal
TS = "2013-01-01 00:00:00"


def guid(n: int) -> str:
    """A lower-case GUID as a file may hold it; the source stores it upper-case."""
    return f"{n:08x}-0000-4000-8000-{n:012x}"


def ug(n: int) -> str:
    return guid(n).upper()


# Each file's rows, fields as text in instawdb.sql's CREATE TABLE order (computed columns included
# where noted: the real files carry a field for them, which SQL Server ignores).
HEADER_ROWS = [
    # Full layout (26 fields, with SalesOrderNumber and TotalDue). Money has four decimals; the
    # comment has an en dash, which is 0x96 in Windows-1252 (a control code in latin-1).
    ["43659", "8", "2013-01-14 00:00:00", "2013-01-26 00:00:00", "2013-01-21 00:00:00", "5", "0", "SO43659",
     "PO522145787", "10-4020-000676", "29825", "279", "1", "1", "1", "5", "16281", "105041Vi84182", "",
     "12312.5714", "985.0057", "307.8143", "13605.3914", "Rush \u2013 caf\u00e9", guid(1), "2013-01-21 00:00:00"],
    ["43660", "8", "2013-01-14 00:00:00.000", "2013-01-26 00:00:00.000", "", "1", "1", "SO43660", "",
     "10-4030-011000", "11000", "", "1", "2", "2", "1", "", "", "", "8.9900", "0.7192", "0.2248", "9.9340", "",
     guid(2), "2013-01-14 00:00:00.000"],
    ["43661", "8", "2013-01-15 00:00:00", "2013-01-27 00:00:00", "2013-01-22 00:00:00", "5", "1", "SO43661", "",
     "10-4030-011000", "11000", "", "1", "2", "2", "1", "", "", "", "3644.9892", "291.5991", "91.1247", "4027.7130",
     "", guid(3), "2013-01-22 00:00:00"],
]  # fmt: skip
DETAIL_ROWS = [
    # Without the computed LineTotal (10 fields): the importer computes it.
    ["43659", "1", "4911-403C-98", "1", "776", "1", "2024.9940", "0.0000", guid(11), "2013-01-14 00:00:00"],
    ["43659", "2", "4911-403C-98", "12", "771", "2", "874.7940", "0.0200", guid(12), "2013-01-14 00:00:00"],
    ["43660", "3", "", "1", "712", "1", "8.9900", "0.0000", guid(13), "2013-01-14 00:00:00"],
    ["43661", "4", "", "2", "776", "3", "2024.9940", "0.1000", guid(14), "2013-01-15 00:00:00"],
]
CUSTOMER_ROWS = [
    ["1", "", "292", "1", "AW00000001", guid(21), TS],
    ["11000", "1", "", "1", "ignored: SQL Server computes it", guid(22), TS],
    ["29825", "2", "292", "1", "AW00029825", guid(23), TS],
]
STORE_ROWS = [
    # A tab inside a field is data in the +| format; the XML spans lines.
    ["292", "Next-Door\tBike Store", "279", "<StoreSurvey>\n  <AnnualSales>800000</AnnualSales>\n</StoreSurvey>",
     guid(31), TS],
]  # fmt: skip
PERSON_ROWS = [
    ["1", "IN", "0", "", "\u0141ukasz", "", "Zo\u00eb", "", "0",
     '<ContactInfo xmlns="x">\r\n  <phone>555-0100</phone>\r\n</ContactInfo>', "", guid(41), TS],
    ["2", "SC", "0", "Mr.", "Ken", "J", "S\u00e1nchez", "", "2", "", "<IndividualSurvey/>", guid(42), TS],
]  # fmt: skip
TERRITORY_ROWS = [
    ["1", "Northwest", "US", "North America", "7887186.7882", "3298694.4938", "0.0000", "0.0000", guid(51), TS],
]
OFFER_ROWS = [
    ["1", "No Discount", "0.0000", "No Discount", "No Discount", "2011-05-01 00:00:00", "2014-11-30 00:00:00", "0",
     "", guid(61), TS],
    ["2", "Volume Discount 11 to 14", "0.0200", "Volume Discount", "Reseller", "2011-05-31 00:00:00",
     "2014-05-30 00:00:00", "11", "14", guid(62), TS],
    ["3", "Volume Discount 15 to 24", "0.1000", "Volume Discount", "Reseller", "2011-05-31 00:00:00",
     "2014-05-30 00:00:00", "15", "24", guid(63), TS],
]  # fmt: skip
PRODUCT_ROWS = [
    ["712", "AWC Logo Cap", "CA-1098", "0", "1", "Multi", "4", "3", "6.9223", "8.9900", "", "", "", "", "0", "S ",
     "", "U ", "2", "2", "2011-05-31 00:00:00", "", "", guid(71), TS],
    ["771", "Mountain-100 Silver, 38", "BK-M82S-38", "1", "1", "Silver", "100", "75", "1912.1544", "3399.9900",
     "38", "CM ", "LB ", "20.35", "4", "M ", "H ", "U ", "1", "19", "2011-05-31 00:00:00", "2012-05-29 00:00:00", "",
     guid(72), TS],
    ["776", "Mountain-100 Black, 42", "BK-M82B-42", "1", "1", "", "100", "75", "1898.0944", "3374.9900", "42",
     "CM ", "LB ", "20.77", "4", "M ", "H ", "U ", "1", "19", "2011-05-31 00:00:00", "", "", guid(73), TS],
]  # fmt: skip
SUBCATEGORY_ROWS = [["1", "1", "Mountain Bikes", guid(81), TS], ["2", "3", "Caps", guid(82), TS]]
CATEGORY_ROWS = [["1", "Bikes", guid(91), TS], ["3", "Clothing", guid(92), TS]]
ADDRESS_ROWS = [
    # SpatialLocation (geography, as hex) is not in the contract and is dropped.
    ["1", "2, place de l'\u00c9glise", "", "Paris", "2", "75002", "E6100000010C", guid(101), TS],
    ["2", "1970 Napa Ct.", "Suite 2", "Bothell", "1", "98011", "", guid(102), TS],
]
STATE_ROWS = [
    ["1", "WA ", "US", "0", "Washington", "1", guid(111), TS],
    ["2", "75 ", "FR", "0", "\u00cele-de-France", "1", guid(112), TS],
]
COUNTRY_ROWS = [["US", "United States", TS], ["FR", "France", TS], ["CI", "C\u00f4te d\u2019Ivoire", TS]]
INVENTORY_ROWS = [
    # Finished goods have no shelf ('N/A') nor bin (0); a GUID in braces as SQL Server may print it.
    ["712", "7", "N/A", "0", "288", guid(121), "2014-08-08 00:00:00.000"],
    ["771", "7", "N/A", "0", "0", guid(122), "2014-08-08 00:00:00"],
    ["771", "60", "N/A", "0", "17", "{" + guid(123) + "}", "2014-08-08 00:00:00"],
    ["776", "6", "B", "5", "32767", guid(124), "2014-08-08 00:00:00"],
]
COST_ROWS = [
    # Closed periods end the day before the next starts; the current one has no EndDate.
    ["712", "2011-05-31 00:00:00", "2012-05-29 00:00:00", "5.7052", "2012-05-29 00:00:00"],
    ["712", "2012-05-30 00:00:00.000", "2013-05-29 00:00:00.000", "5.2297", "2013-05-29 00:00:00.000"],
    ["712", "2013-05-30 00:00:00", "", "6.9223", "2013-05-16 00:00:00"],
    ["776", "2013-05-30 00:00:00", "", "1898.0944", "2013-05-16 00:00:00"],
]


def tab_8bit(path: Path, rows: list[list[str]], encoding: str = "cp1252", eol: str = "\n") -> None:
    path.write_bytes("".join("\t".join(row) + eol for row in rows).encode(encoding))


def tab_widechar(path: Path, rows: list[list[str]]) -> None:
    text = "".join("\t".join(row) + "\r\n" for row in rows)
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))


def pipes(path: Path, rows: list[list[str]], widechar: bool = True) -> None:
    if widechar:
        text = "".join("+|".join(row) + "&|\r\n" for row in rows)
        path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    else:  # the current download: UTF-8, LF
        path.write_bytes("".join("+|".join(row) + "&|\n" for row in rows).encode("utf-8"))


def write_sample(folder: Path) -> Path:
    """The download's folder, one format per file as the older (and, for UTF-8, current) script has it."""
    folder.mkdir(parents=True, exist_ok=True)
    tab_8bit(folder / "SalesOrderHeader.csv", HEADER_ROWS)
    tab_widechar(folder / "SalesOrderDetail.csv", DETAIL_ROWS)
    tab_8bit(folder / "Customer.csv", CUSTOMER_ROWS, "utf-8")
    pipes(folder / "Store.csv", STORE_ROWS, widechar=False)
    pipes(folder / "Person.csv", PERSON_ROWS)
    tab_widechar(folder / "SalesTerritory.csv", TERRITORY_ROWS)
    tab_widechar(folder / "SpecialOffer.csv", OFFER_ROWS)
    tab_widechar(folder / "Product.csv", PRODUCT_ROWS)
    tab_8bit(folder / "ProductSubcategory.csv", SUBCATEGORY_ROWS)
    tab_8bit(folder / "ProductCategory.csv", CATEGORY_ROWS)
    tab_8bit(folder / "ProductInventory.csv", INVENTORY_ROWS)
    tab_8bit(folder / "ProductCostHistory.csv", COST_ROWS, eol="\r\n")
    tab_8bit(folder / "Address.csv", ADDRESS_ROWS)
    tab_8bit(folder / "StateProvince.csv", STATE_ROWS, "utf-8-sig")
    tab_8bit(folder / "CountryRegion.csv", COUNTRY_ROWS, "utf-8")
    (folder / "instawdb.sql").write_text("-- not read\n")
    (folder / "Employee.csv").write_text("not a contract table: ignored\n")
    return folder


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("adventureworks")
    out = root / "source"
    report = import_adventureworks(write_sample(root / "csv"), out)
    assert report.counts["Sales.SalesOrderDetail"] == 4
    return out


def rows(source: Path, table: t.SourceTable) -> list[tuple]:
    """All rows ordered by key, NUMERIC columns back as Decimals of their declared scale."""
    scales = [int(decl.split(",")[1].split(")")[0]) if "," in decl else None for _, decl in table.columns]
    keys = ", ".join(f'"{c}"' for c in table.primary_key)
    fetched = connect(source).execute(f"select * from {table.qualified_name} order by {keys}").fetchall()
    return [
        tuple(D(f"{v:.{s}f}") if s is not None and v is not None else v for v, s in zip(row, scales, strict=True))
        for row in fetched
    ]


def test_orders_arrive_exactly_with_computed_columns(imported: Path) -> None:
    assert rows(imported, t.SALES_ORDER_HEADER) == [
        (43659, 8, "2013-01-14 00:00:00", "2013-01-26 00:00:00", "2013-01-21 00:00:00", 5, 0, "SO43659",
         "PO522145787", "10-4020-000676", 29825, 279, 1, 1, 1, 5, 16281, "105041Vi84182", None, D("12312.5714"),
         D("985.0057"), D("307.8143"), D("13605.3914"), "Rush \u2013 caf\u00e9", ug(1), "2013-01-21 00:00:00"),
        (43660, 8, "2013-01-14 00:00:00", "2013-01-26 00:00:00", None, 1, 1, "SO43660", None, "10-4030-011000", 11000,
         None, 1, 2, 2, 1, None, None, None, D("8.9900"), D("0.7192"), D("0.2248"), D("9.9340"), None, ug(2),
         "2013-01-14 00:00:00"),
        (43661, 8, "2013-01-15 00:00:00", "2013-01-27 00:00:00", "2013-01-22 00:00:00", 5, 1, "SO43661", None,
         "10-4030-011000", 11000, None, 1, 2, 2, 1, None, None, None, D("3644.9892"), D("291.5991"), D("91.1247"),
         D("4027.7130"), None, ug(3), "2013-01-22 00:00:00"),
    ]  # fmt: skip
    # LineTotal = UnitPrice * (1 - UnitPriceDiscount) * OrderQty, exactly (numeric(38,6)).
    assert rows(imported, t.SALES_ORDER_DETAIL) == [
        (43659, 1, "4911-403C-98", 1, 776, 1, D("2024.9940"), D("0.0000"), D("2024.994000"), ug(11),
         "2013-01-14 00:00:00"),
        (43659, 2, "4911-403C-98", 12, 771, 2, D("874.7940"), D("0.0200"), D("10287.577440"), ug(12),
         "2013-01-14 00:00:00"),
        (43660, 3, None, 1, 712, 1, D("8.9900"), D("0.0000"), D("8.990000"), ug(13), "2013-01-14 00:00:00"),
        (43661, 4, None, 2, 776, 3, D("2024.9940"), D("0.1000"), D("3644.989200"), ug(14), "2013-01-15 00:00:00"),
    ]  # fmt: skip
    # AccountNumber = 'AW' + ufnLeadingZeros(CustomerID): the file's field is ignored, as by SQL Server.
    assert rows(imported, t.CUSTOMER) == [
        (1, None, 292, 1, "AW00000001", ug(21), TS),
        (11000, 1, None, 1, "AW00011000", ug(22), TS),
        (29825, 2, 292, 1, "AW00029825", ug(23), TS),
    ]


def test_people_stores_and_reference_tables_arrive_exactly(imported: Path) -> None:
    # UTF-16 names, a multi-line XML field dropped, an empty field as NULL, a tab kept inside a name.
    assert rows(imported, t.PERSON) == [
        (1, "IN", 0, None, "\u0141ukasz", None, "Zo\u00eb", None, 0, ug(41), TS),
        (2, "SC", 0, "Mr.", "Ken", "J", "S\u00e1nchez", None, 2, ug(42), TS),
    ]
    assert rows(imported, t.STORE) == [(292, "Next-Door\tBike Store", 279, ug(31), TS)]
    assert rows(imported, t.ADDRESS) == [
        (1, "2, place de l'\u00c9glise", None, "Paris", 2, "75002", ug(101), TS),
        (2, "1970 Napa Ct.", "Suite 2", "Bothell", 1, "98011", ug(102), TS),
    ]
    assert rows(imported, t.COUNTRY_REGION) == [
        ("CI", "C\u00f4te d\u2019Ivoire", TS),
        ("FR", "France", TS),
        ("US", "United States", TS),
    ]
    assert rows(imported, t.STATE_PROVINCE)[1] == (2, "75 ", "FR", 0, "\u00cele-de-France", 1, ug(112), TS)
    assert rows(imported, t.SALES_TERRITORY) == [
        (1, "Northwest", "US", "North America", D("7887186.7882"), D("3298694.4938"), D("0"), D("0"), ug(51), TS)
    ]
    assert rows(imported, t.PRODUCT)[1] == (
        771, "Mountain-100 Silver, 38", "BK-M82S-38", 1, 1, "Silver", 100, 75, D("1912.1544"), D("3399.9900"), "38",
        "CM ", "LB ", D("20.35"), 4, "M ", "H ", "U ", 1, 19, "2011-05-31 00:00:00", "2012-05-29 00:00:00", None,
        ug(72), TS,
    )  # fmt: skip
    assert rows(imported, t.PRODUCT)[2][5] is None  # an empty Color
    assert [(r[0], r[2], r[8]) for r in rows(imported, t.SPECIAL_OFFER)] == [
        (1, D("0.0000"), None),
        (2, D("0.0200"), 14),
        (3, D("0.1000"), 24),
    ]


def test_inventory_and_cost_history_arrive_exactly(imported: Path) -> None:
    """8-bit TAB files (LF and CRLF), as in the download: datetimes normalized, an empty EndDate NULL."""
    stamp = "2014-08-08 00:00:00"
    assert rows(imported, t.PRODUCT_INVENTORY) == [
        (712, 7, "N/A", 0, 288, ug(121), stamp),
        (771, 7, "N/A", 0, 0, ug(122), stamp),
        (771, 60, "N/A", 0, 17, ug(123), stamp),
        (776, 6, "B", 5, 32767, ug(124), stamp),
    ]
    assert rows(imported, t.PRODUCT_COST_HISTORY) == [
        (712, "2011-05-31 00:00:00", "2012-05-29 00:00:00", D("5.7052"), "2012-05-29 00:00:00"),
        (712, "2012-05-30 00:00:00", "2013-05-29 00:00:00", D("5.2297"), "2013-05-29 00:00:00"),
        (712, "2013-05-30 00:00:00", None, D("6.9223"), "2013-05-16 00:00:00"),
        (776, "2013-05-30 00:00:00", None, D("1898.0944"), "2013-05-16 00:00:00"),
    ]


def test_money_reads_back_as_exact_decimals_and_returns_are_absent(imported: Path) -> None:
    """Through the engine the pipeline uses: Decimals, and no Sales.SalesReturn (AdventureWorks has none)."""
    engine = sqlite_engine(imported)
    header = queries.table(t.SALES_ORDER_HEADER, "SalesOrderID", "SubTotal", "TaxAmt", "Freight", "TotalDue")
    with engine.connect() as conn:
        orders = conn.execute(sa.select(header).order_by(header.c.SalesOrderID)).fetchall()
    assert [tuple(o) for o in orders] == [
        (43659, D("12312.5714"), D("985.0057"), D("307.8143"), D("13605.3914")),
        (43660, D("8.99"), D("0.7192"), D("0.2248"), D("9.934")),
        (43661, D("3644.9892"), D("291.5991"), D("91.1247"), D("4027.713")),
    ]
    assert all(isinstance(v, Decimal) for order in orders for v in order[1:])
    for schema in t.SCHEMAS:
        names = {r[0] for r in connect(imported).execute(f"select name from {schema}.sqlite_master where type='table'")}
        assert names == {table.name for table in t.ALL_TABLES if table.schema == schema and not table.optional}


def test_a_file_may_carry_computed_fields_or_not(tmp_path: Path) -> None:
    layout = next(layout for layout in LAYOUTS if layout.table is t.SALES_ORDER_DETAIL)
    line = ["43662", "5", "", "3", "776", "1", "33.3333", "0.0123"]
    tab_widechar(tmp_path / "without.csv", [[*line, guid(5), TS]])
    tab_widechar(tmp_path / "with.csv", [[*line, "999.999999", guid(5), TS]])
    without = import_table(layout, tmp_path / "without.csv").rows
    with_field = import_table(layout, tmp_path / "with.csv").rows
    # SQL Server rounds UnitPrice * (1 - UnitPriceDiscount) to numeric(38,6) before * OrderQty:
    # 32.92330041 -> 32.923300, times 3.
    assert without == with_field == [(43662, 5, None, 3, 776, 1, "33.3333", "0.0123", "98.769900", ug(5), TS)]


@pytest.fixture
def existing_source(imported: Path, tmp_path: Path) -> Path:
    out = tmp_path / "existing"
    shutil.copytree(imported, out)
    return out


def _replace_line(path: Path, number: int, new: str) -> None:
    """Rewrite one line of a tab file, keeping its encoding and line ends."""
    raw = path.read_bytes()
    widechar = raw.startswith(codecs.BOM_UTF16_LE)
    text = raw[2:].decode("utf-16-le") if widechar else raw.decode("cp1252")
    eol = "\r\n" if widechar else "\n"
    lines = text.split(eol)
    lines[number - 1] = new
    encoded = eol.join(lines).encode("utf-16-le" if widechar else "cp1252")
    path.write_bytes(codecs.BOM_UTF16_LE + encoded if widechar else encoded)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda f: _replace_line(f / "SalesOrderDetail.csv", 3, "\t".join(DETAIL_ROWS[2][:9])),
            "SalesOrderDetail.csv, line 3 (row 3): expected 11 fields (the columns of Sales.SalesOrderDetail in "
            "instawdb.sql's CREATE TABLE order) or 10 (without the computed LineTotal), found 9",
        ),
        (
            lambda f: pipes(f / "Person.csv", [PERSON_ROWS[0], [*PERSON_ROWS[1][:2], "2", *PERSON_ROWS[1][3:]]]),
            # The first row spans three lines, so the second starts on line 4.
            "Person.csv, line 4 (row 2): NameStyle '2' is not a valid BOOLEAN",
        ),
        (
            lambda f: _replace_line(f / "SalesOrderHeader.csv", 2, "\t".join(HEADER_ROWS[1]).replace("8.9900", "8,99")),
            "SalesOrderHeader.csv, line 2 (row 2): SubTotal '8,99' is not a valid NUMERIC(19,4)",
        ),
        (
            lambda f: tab_8bit(f / "Customer.csv", [CUSTOMER_ROWS[0], ["", *CUSTOMER_ROWS[1][1:]]]),
            "Customer.csv, line 2 (row 2): CustomerID is empty, but Sales.Customer requires it",
        ),
        (
            lambda f: tab_8bit(f / "ProductCategory.csv", [*CATEGORY_ROWS, CATEGORY_ROWS[0]]),
            "ProductCategory.csv, line 3 (row 3): duplicate primary key ProductCategoryID = (1,), first on line 1",
        ),
        (
            lambda f: tab_8bit(
                f / "ProductInventory.csv", [INVENTORY_ROWS[0], ["776", "6", "B", "A5", "3", guid(9), TS]]
            ),
            "ProductInventory.csv, line 2 (row 2): Bin 'A5' is not a valid SMALLINT",
        ),
        (
            lambda f: tab_8bit(f / "ProductCostHistory.csv", [COST_ROWS[0], COST_ROWS[1][:4]], eol="\r\n"),
            "ProductCostHistory.csv, line 2 (row 2): expected 5 fields (the columns of Production.ProductCostHistory "
            "in instawdb.sql's CREATE TABLE order), found 4",
        ),
        (
            # The same period written with and without milliseconds is the same key.
            lambda f: tab_8bit(
                f / "ProductCostHistory.csv",
                [*COST_ROWS, [COST_ROWS[0][0], "2011-05-31 00:00:00.000", *COST_ROWS[0][2:]]],
            ),
            "ProductCostHistory.csv, line 5 (row 5): duplicate primary key ProductID, StartDate = "
            "(712, '2011-05-31 00:00:00'), first on line 1",
        ),
        (lambda f: (f / "Store.csv").unlink(), "lacks Store.csv (Sales.Store)"),
        (lambda f: (f / "ProductInventory.csv").unlink(), "lacks ProductInventory.csv (Production.ProductInventory)"),
    ],
    ids=[
        "field_count",
        "bad_bit_after_multiline_row",
        "bad_money",
        "null_key",
        "duplicate_key",
        "bad_inventory_bin",
        "cost_history_field_count",
        "duplicate_cost_period",
        "missing_file",
        "missing_inventory_file",
    ],
)
def test_bad_input_names_file_and_line_and_writes_nothing(
    tmp_path: Path, existing_source: Path, damage, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_sample(tmp_path / "csv")
    damage(folder)
    before = {p.name: p.read_bytes() for p in existing_source.iterdir()}

    with pytest.raises(AdventureWorksImportError) as error:
        import_adventureworks(folder, existing_source)
    assert message in str(error.value)
    assert main(["import-adventureworks", str(folder), "--out", str(existing_source)]) == 1
    assert message in capsys.readouterr().err

    # The existing source is as it was: same files, same bytes, no temporary directory left.
    assert {p.name: p.read_bytes() for p in existing_source.iterdir()} == before
    with pytest.raises(AdventureWorksImportError):
        import_adventureworks(folder, tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_cli_replaces_the_source_and_prints_counts_and_dates(
    tmp_path: Path, existing_source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_sample(tmp_path / "csv")
    tab_8bit(folder / "SalesOrderHeader.csv", HEADER_ROWS[:2])  # drop the 15th's order and its line
    tab_widechar(folder / "SalesOrderDetail.csv", DETAIL_ROWS[:3])

    assert main(["import-adventureworks", str(folder), "--out", str(existing_source)]) == 0
    out = capsys.readouterr().out
    assert "Sales.SalesOrderHeader                  2" in out
    assert "Person.Person                           2   Person.csv (UTF-16, +| fields, &| rows)" in out
    assert "Person.Address                          2   Address.csv (CP1252, tab-separated)" in out
    assert "Production.ProductInventory             4   ProductInventory.csv (UTF-8, tab-separated)" in out
    assert "Production.ProductCostHistory           4   ProductCostHistory.csv (UTF-8, tab-separated)" in out
    assert "SALES_PARTITIONS_START=2013-01-14 SALES_PARTITIONS_END=2013-01-15 (exclusive)" in out
    assert "no returns" in out
    assert connect(existing_source).execute("select count(*) from Sales.SalesOrderDetail").fetchone() == (3,)
    assert sorted(p.name for p in existing_source.iterdir()) == sorted(
        schema_file(existing_source, s).name for s in t.SCHEMAS
    )


def test_dlt_ingest_loads_the_imported_days(imported: Path, pipeline_factory) -> None:
    """The raw assets read the imported source: one day's orders and lines, every reference row."""
    pipeline = pipeline_factory(imported)
    raw = [AssetKey(["raw", table.warehouse_name]) for table in t.ALL_TABLES]
    result = pipeline.run("2013-01-14", selection=raw)

    # The 14th holds orders 43659 and 43660 and their three lines; the 15th's order stays in the source.
    assert pipeline.query("select sales_order_id, total_due from raw.sales_order_header order by 1") == [
        (43659, D("13605.3914")),
        (43660, D("9.9340")),
    ]
    assert pipeline.query("select count(*), sum(line_total) from raw.sales_order_detail") == [(3, D("12321.561440"))]
    expected = {t.CUSTOMER: 3, t.STORE: 1, t.PERSON: 2, t.PRODUCT: 3, t.SPECIAL_OFFER: 3, t.ADDRESS: 2}
    for table, count in expected.items():
        assert pipeline.query(f"select count(*) from raw.{table.warehouse_name}") == [(count,)], table.name
    returns = [m for m in result.get_asset_materialization_events() if m.asset_key == AssetKey(["raw", "sales_return"])]
    assert returns and returns[0].materialization.metadata["source_table_present"].value is False
    # The raw assets' checks (orders match the source, totals add up, customers/products exist) pass.
    evaluations = result.get_asset_check_evaluations()
    assert {e.asset_check_key.name for e in evaluations} >= {"matches_source", "order_totals_add_up", "customers_exist"}
    assert [e.asset_check_key for e in evaluations if not e.passed] == []
