"""Importing Microsoft's AdventureWorks OLTP sample (the install script's CSV files) as the embedded source.

The download (`AdventureWorks-oltp-install-script.zip`, microsoft/sql-server-samples) holds
`instawdb.sql` and one `<Table>.csv` per table, loaded by BULK INSERT: no header, fields by position
in the CREATE TABLE's column order, an empty field is NULL. Three formats occur, sniffed per file:

- 8-bit text, TAB between fields, LF (or CRLF) between rows. Decoded as UTF-8 (the current script
  loads every file with CODEPAGE='65001'), unless the file holds bytes that are not UTF-8 and no
  character that is: then as Windows-1252 (older downloads: their 8-bit files were written in the
  Windows ANSI code page; cp1252 equals latin-1 on every printable latin-1 character and also maps
  0x80-0x9F to the characters Windows meant, where latin-1 would give control codes). A UTF-8 file
  with a damaged byte is thus reported, naming the line, rather than read as Windows-1252;
- UTF-16LE with a BOM ("widechar"), TAB between fields, CRLF between rows;
- `+|` between fields and `&|` + CRLF/LF after each row (Person.csv, Store.csv, ...), UTF-16LE with
  a BOM or UTF-8; fields may hold line breaks and tabs (their XML columns).

Every row ends in its terminator, the last one included (as in every file of the download), so a
file cut short is reported, not imported without its tail. Rows are checked and converted to the
contract's types (exact Decimals, booleans, ISO datetimes, upper-case GUIDs), each value within its
column's declared size; computed columns are computed as SQL Server defines them, and the whole
source is written by `writer.write_source`, so nothing is replaced unless every file was read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from sales_assets.sandbox.bulk_files import AdventureWorksImportError, Record, error_at, read_records
from sales_assets.sandbox.sql_values import NUMBER, converter
from sales_assets.sandbox.writer import write_source
from sales_assets.source import tables as t

SAMPLE_FIRST_ORDER, SAMPLE_LAST_ORDER = date(2011, 5, 31), date(2014, 6, 30)


# Every column of each table's CREATE TABLE in instawdb.sql (microsoft/sql-server-samples,
# samples/databases/adventure-works/oltp-install-script/instawdb.sql, "Create tables"), in order,
# because BULK INSERT maps fields by position. `*` marks a computed column (`AS ...`): SQL Server
# ignores a field given for it and computes the value, and so do we. Columns the contract does not
# read (XML, geography) are dropped.
_CREATE_TABLE_ORDER: dict[t.SourceTable, str] = {
    t.SALES_ORDER_HEADER: """SalesOrderID RevisionNumber OrderDate DueDate ShipDate Status OnlineOrderFlag
        *SalesOrderNumber PurchaseOrderNumber AccountNumber CustomerID SalesPersonID TerritoryID BillToAddressID
        ShipToAddressID ShipMethodID CreditCardID CreditCardApprovalCode CurrencyRateID SubTotal TaxAmt Freight
        *TotalDue Comment rowguid ModifiedDate""",
    t.SALES_ORDER_DETAIL: """SalesOrderID SalesOrderDetailID CarrierTrackingNumber OrderQty ProductID
        SpecialOfferID UnitPrice UnitPriceDiscount *LineTotal rowguid ModifiedDate""",
    t.CUSTOMER: "CustomerID PersonID StoreID TerritoryID *AccountNumber rowguid ModifiedDate",
    t.STORE: "BusinessEntityID Name SalesPersonID Demographics rowguid ModifiedDate",
    t.SALES_TERRITORY: """TerritoryID Name CountryRegionCode Group SalesYTD SalesLastYear CostYTD CostLastYear
        rowguid ModifiedDate""",
    t.SPECIAL_OFFER: """SpecialOfferID Description DiscountPct Type Category StartDate EndDate MinQty MaxQty
        rowguid ModifiedDate""",
    t.PRODUCT: """ProductID Name ProductNumber MakeFlag FinishedGoodsFlag Color SafetyStockLevel ReorderPoint
        StandardCost ListPrice Size SizeUnitMeasureCode WeightUnitMeasureCode Weight DaysToManufacture ProductLine
        Class Style ProductSubcategoryID ProductModelID SellStartDate SellEndDate DiscontinuedDate rowguid
        ModifiedDate""",
    t.PRODUCT_SUBCATEGORY: "ProductSubcategoryID ProductCategoryID Name rowguid ModifiedDate",
    t.PRODUCT_CATEGORY: "ProductCategoryID Name rowguid ModifiedDate",
    t.PRODUCT_INVENTORY: "ProductID LocationID Shelf Bin Quantity rowguid ModifiedDate",
    t.PRODUCT_COST_HISTORY: "ProductID StartDate EndDate StandardCost ModifiedDate",
    t.PERSON: """BusinessEntityID PersonType NameStyle Title FirstName MiddleName LastName Suffix EmailPromotion
        AdditionalContactInfo Demographics rowguid ModifiedDate""",
    t.ADDRESS: """AddressID AddressLine1 AddressLine2 City StateProvinceID PostalCode SpatialLocation rowguid
        ModifiedDate""",
    t.STATE_PROVINCE: """StateProvinceID StateProvinceCode CountryRegionCode IsOnlyStateProvinceFlag Name
        TerritoryID rowguid ModifiedDate""",
    t.COUNTRY_REGION: "CountryRegionCode Name ModifiedDate",
}

_SIX = Decimal("0.000001")


def _line_total(v: dict) -> Decimal:
    # ISNULL([UnitPrice] * (1.0 - [UnitPriceDiscount]) * [OrderQty], 0.0): the first product is
    # numeric(38,6) by SQL Server's precision rules, so it is rounded to 6 decimals before * OrderQty.
    if None in (v["UnitPrice"], v["UnitPriceDiscount"], v["OrderQty"]):
        return Decimal(0)
    return (v["UnitPrice"] * (1 - v["UnitPriceDiscount"])).quantize(_SIX, ROUND_HALF_UP) * v["OrderQty"]


def _total_due(v: dict) -> Decimal:
    # ISNULL([SubTotal] + [TaxAmt] + [Freight], 0): money plus money is exact.
    if None in (v["SubTotal"], v["TaxAmt"], v["Freight"]):
        return Decimal(0)
    return v["SubTotal"] + v["TaxAmt"] + v["Freight"]


# The computed columns' definitions in instawdb.sql, as functions of the row's other values.
_COMPUTED: dict[tuple[t.SourceTable, str], Callable[[dict], object]] = {
    # ISNULL(N'SO' + CONVERT(nvarchar(23), [SalesOrderID]), N'*** ERROR ***')
    (t.SALES_ORDER_HEADER, "SalesOrderNumber"): lambda v: f"SO{v['SalesOrderID']}",
    (t.SALES_ORDER_HEADER, "TotalDue"): _total_due,
    (t.SALES_ORDER_DETAIL, "LineTotal"): _line_total,
    # ISNULL('AW' + [dbo].[ufnLeadingZeros](CustomerID), ''): ufnLeadingZeros pads to 8 digits.
    (t.CUSTOMER, "AccountNumber"): lambda v: f"AW{v['CustomerID']:08d}",
}


@dataclass(frozen=True)
class FileLayout:
    """How one contract table's CSV file is laid out, from its CREATE TABLE in instawdb.sql."""

    table: t.SourceTable
    columns: tuple[str, ...]  # every column of the CREATE TABLE, in order
    computed: frozenset[str]

    @property
    def file_name(self) -> str:
        return f"{self.table.name}.csv"

    @property
    def stored_columns(self) -> tuple[str, ...]:
        """The columns a file without fields for computed columns holds."""
        return tuple(c for c in self.columns if c not in self.computed)


def _layout(table: t.SourceTable, spec: str) -> FileLayout:
    names = spec.split()
    columns = tuple(n.lstrip("*") for n in names)
    computed = frozenset(n[1:] for n in names if n.startswith("*"))
    missing = [c for c in table.column_names if c not in columns]
    if missing or not computed <= set(table.column_names):
        raise ValueError(f"layout of {table.qualified_name} lacks {missing} or computes columns outside the contract")
    return FileLayout(table, columns, computed)


LAYOUTS: tuple[FileLayout, ...] = tuple(_layout(table, spec) for table, spec in _CREATE_TABLE_ORDER.items())


@dataclass
class TableImport:
    table: t.SourceTable
    file_name: str
    file_format: str
    rows: list[tuple] = field(default_factory=list)


def import_table(layout: FileLayout, path: Path) -> TableImport:
    """Read, check and convert one file into the contract's rows (columns in contract order)."""
    file_format, records = read_records(path)
    with closing(records):
        return _convert(layout, path, file_format, records)


def _convert(layout: FileLayout, path: Path, file_format: str, records: Iterator[Record]) -> TableImport:
    table = layout.table
    result = TableImport(table, path.name, file_format)
    names = table.column_names
    full, stored = len(layout.columns), len(layout.stored_columns)
    # Per layout (by field count): (position in the row, field index, converter, nullable) of each
    # column read from the file, in contract order.
    plans = {
        n: [
            (names.index(name), fields.index(name), converter(decl), not decl.endswith("NOT NULL"))
            for name, decl in table.columns
            if name not in layout.computed
        ]
        for n, fields in ((full, layout.columns), (stored, layout.stored_columns))
    }
    computed = [(names.index(name), _COMPUTED[(table, name)]) for name in names if name in layout.computed]
    decimals = [i for i, (_, decl) in enumerate(table.columns) if NUMBER.match(decl)]
    keys = [names.index(c) for c in table.primary_key]
    seen: dict[tuple, int] = {}
    for record in records:
        plan = plans.get(len(record.fields))
        if plan is None:
            expected = f"{full} fields (the columns of {table.qualified_name} in instawdb.sql's CREATE TABLE order)"
            if stored != full:
                expected += f" or {stored} (without the computed {', '.join(sorted(layout.computed))})"
            raise error_at(path, record, f"expected {expected}, found {len(record.fields)}")
        row: list = [None] * len(names)
        for position, index, convert, nullable in plan:
            text = record.fields[index]
            if text:
                try:
                    row[position] = convert(text)
                except (ValueError, KeyError, InvalidOperation) as error:
                    kind = table.columns[position][1].split()[0]
                    shown = repr(text) if len(text) <= 40 else f"{text[:40]!r}... ({len(text):,} characters)"
                    raise error_at(path, record, f"{names[position]} {shown} is not a valid {kind}") from error
            elif not nullable:
                raise error_at(path, record, f"{names[position]} is empty, but {table.qualified_name} requires it")
        if computed:
            values = dict(zip(names, row, strict=True))
            for position, compute in computed:
                row[position] = compute(values)
        key = tuple(row[i] for i in keys)
        if key in seen:
            keys_text = ", ".join(table.primary_key)
            raise error_at(path, record, f"duplicate primary key {keys_text} = {key}, first on line {seen[key]}")
        seen[key] = record.line
        for i in decimals:
            if row[i] is not None:
                # sqlite3 takes no Decimal: the exact text goes to the NUMERIC column, which SQLite
                # stores as it stores the generator's values; readers round back to the declared scale.
                row[i] = format(row[i], "f")
        result.rows.append(tuple(row))
    return result


# -- the whole import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedTable:
    table: t.SourceTable
    file_name: str
    file_format: str
    rows: int


@dataclass(frozen=True)
class ImportReport:
    source_dir: Path
    out_dir: Path
    tables: list[ImportedTable]
    first_order: date | None
    last_order: date | None

    @property
    def counts(self) -> dict[str, int]:
        return {imported.table.qualified_name: imported.rows for imported in self.tables}

    def summary(self) -> str:
        lines = [f"Imported AdventureWorks from {self.source_dir} into {self.out_dir}:"]
        for imp in self.tables:
            lines.append(f"  {imp.table.qualified_name:<30} {imp.rows:>10,}   {imp.file_name} ({imp.file_format})")
        lines.append(f"  {t.SALES_RETURN.qualified_name:<30} {'-':>10}   not in AdventureWorks: no returns")
        if self.first_order is None or self.last_order is None:
            lines.append("No orders imported.")
            return "\n".join(lines)
        end = self.last_order + timedelta(days=1)
        lines.append(
            f"Order dates {self.first_order} .. {self.last_order}. To load them all, set "
            f"SALES_PARTITIONS_START={self.first_order} SALES_PARTITIONS_END={end} (exclusive)."
        )
        if (self.first_order, self.last_order) == (SAMPLE_FIRST_ORDER, SAMPLE_LAST_ORDER):
            lines.append("(That is the whole AdventureWorks sample: 2011-05-31 .. 2014-06-30.)")
        return "\n".join(lines)


def _find_files(source_dir: Path) -> dict[t.SourceTable, Path]:
    if not source_dir.is_dir():
        raise AdventureWorksImportError(f"{source_dir} is not a directory")
    # Names as in the download, matched case-insensitively (unzipped on another OS, renamed).
    by_name = {p.name.lower(): p for p in source_dir.iterdir() if p.is_file()}
    found = {layout.table: by_name.get(layout.file_name.lower()) for layout in LAYOUTS}
    missing = [f"{layout.file_name} ({layout.table.qualified_name})" for layout in LAYOUTS if not found[layout.table]]
    if missing:
        raise AdventureWorksImportError(
            f"{source_dir} lacks {', '.join(missing)}: expected the CSV files of the AdventureWorks "
            "OLTP install script (the folder holding instawdb.sql)"
        )
    return {table: path for table, path in found.items() if path is not None}


def import_adventureworks(source_dir: Path, out_dir: Path) -> ImportReport:
    """Import the CSV folder into the embedded source at `out_dir`, replacing it only on success.

    Every file is read and checked before anything is written, and `write_source` builds the new
    files in a temporary directory and moves them into place last, so a failed import leaves an
    existing source as it was. Sales.SalesReturn is not written: AdventureWorks has no returns.
    """
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    paths = _find_files(source_dir)
    imports = [import_table(layout, paths[layout.table]) for layout in LAYOUTS]
    rows = {imp.table: imp.rows for imp in imports}
    write_source(rows, out_dir)
    order_date = t.SALES_ORDER_HEADER.column_names.index("OrderDate")
    dates = [row[order_date] for row in rows[t.SALES_ORDER_HEADER]]
    return ImportReport(
        source_dir,
        out_dir,
        [ImportedTable(imp.table, imp.file_name, imp.file_format, len(imp.rows)) for imp in imports],
        date.fromisoformat(min(dates)[:10]) if dates else None,
        date.fromisoformat(max(dates)[:10]) if dates else None,
    )
