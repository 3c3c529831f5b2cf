"""The source contract: which AdventureWorks2019 tables and columns the pipeline reads.

One declaration serves three consumers: the embedded SQLite source's DDL (the generator writes
it), dlt's column selection (so SQL Server's XML and geography columns are never read), and the
asset descriptions. Column types follow SQL Server's, spelled as SQLite/SQLAlchemy types that
reflect to the same logical type: money -> NUMERIC(19,4), datetime -> DATETIME, bit -> BOOLEAN,
tinyint -> SMALLINT (Status, ProductInventory.Bin), uniqueidentifier -> CHAR(36). Computed columns
(TotalDue, LineTotal, SalesOrderNumber, AccountNumber) are stored with their values.

Why ~400 lines: it is the contract itself, one declaration per table and column (data, not logic),
read in one place by the generator, dlt, the checks and the asset pages.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property

from dlt.common.normalizers.naming.snake_case import NamingConvention

_NAMING = NamingConvention()


@dataclass(frozen=True)
class SourceTable:
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]
    primary_key: tuple[str, ...]
    # Column that places a row in a daily partition; None for reference tables loaded whole.
    partition_column: str | None = None
    # Absent from real AdventureWorks (our returns table): the pipeline must cope without it.
    optional: bool = False
    indexes: tuple[tuple[str, ...], ...] = ()
    description: str = ""

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @cached_property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    @cached_property
    def warehouse_name(self) -> str:
        """The table's name in the warehouse's `raw` schema, as dlt normalizes it."""
        return _NAMING.normalize_table_identifier(self.name)

    def ddl(
        self,
        relaxed: Collection[str] = (),
        primary_key: bool = True,
        name: str | None = None,
        schema: str | None = None,
    ) -> str:
        """CREATE TABLE for the contract; the arguments loosen it for fault injection.

        `relaxed` columns lose NOT NULL, `primary_key=False` drops the key, and `name`/`schema`
        create it elsewhere (qualified, as attached files need), e.g. to rebuild a table in place.
        """
        unknown = set(relaxed) - set(self.column_names)
        if unknown:
            raise ValueError(f"{self.qualified_name} has no column(s) {', '.join(sorted(unknown))}")
        cols = [f'"{col}" {_nullable(decl) if col in relaxed else decl}' for col, decl in self.columns]
        if primary_key:
            cols.append("PRIMARY KEY (" + ", ".join(f'"{c}"' for c in self.primary_key) + ")")
        target = f'"{name or self.name}"' if schema is None else f'"{schema}"."{name or self.name}"'
        return f"CREATE TABLE {target} (\n  " + ",\n  ".join(cols) + "\n)"


def _nullable(decl: str) -> str:
    return decl.removesuffix(" NOT NULL")


def _cols(spec: str) -> tuple[tuple[str, str], ...]:
    """Parse 'Name TYPE [NOT NULL]' lines into (name, declaration) pairs."""
    pairs = []
    for line in spec.strip().splitlines():
        name, decl = line.strip().split(" ", 1)
        pairs.append((name, decl.strip()))
    return tuple(pairs)


SALES_ORDER_HEADER = SourceTable(
    "Sales",
    "SalesOrderHeader",
    _cols("""
        SalesOrderID INTEGER NOT NULL
        RevisionNumber SMALLINT NOT NULL
        OrderDate DATETIME NOT NULL
        DueDate DATETIME NOT NULL
        ShipDate DATETIME
        Status SMALLINT NOT NULL
        OnlineOrderFlag BOOLEAN NOT NULL
        SalesOrderNumber NVARCHAR(25) NOT NULL
        PurchaseOrderNumber NVARCHAR(25)
        AccountNumber NVARCHAR(15)
        CustomerID INTEGER NOT NULL
        SalesPersonID INTEGER
        TerritoryID INTEGER
        BillToAddressID INTEGER NOT NULL
        ShipToAddressID INTEGER NOT NULL
        ShipMethodID INTEGER NOT NULL
        CreditCardID INTEGER
        CreditCardApprovalCode VARCHAR(15)
        CurrencyRateID INTEGER
        SubTotal NUMERIC(19,4) NOT NULL
        TaxAmt NUMERIC(19,4) NOT NULL
        Freight NUMERIC(19,4) NOT NULL
        TotalDue NUMERIC(19,4) NOT NULL
        Comment NVARCHAR(128)
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("SalesOrderID",),
    partition_column="OrderDate",
    indexes=(("OrderDate",), ("ModifiedDate",), ("CustomerID",)),
    description="Sales orders (one row per order), partitioned by OrderDate.",
)

SALES_ORDER_DETAIL = SourceTable(
    "Sales",
    "SalesOrderDetail",
    _cols("""
        SalesOrderID INTEGER NOT NULL
        SalesOrderDetailID INTEGER NOT NULL
        CarrierTrackingNumber NVARCHAR(25)
        OrderQty SMALLINT NOT NULL
        ProductID INTEGER NOT NULL
        SpecialOfferID INTEGER NOT NULL
        UnitPrice NUMERIC(19,4) NOT NULL
        UnitPriceDiscount NUMERIC(19,4) NOT NULL
        LineTotal NUMERIC(38,6) NOT NULL
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("SalesOrderID", "SalesOrderDetailID"),
    # Partitioned by its order's OrderDate (see ingest.windows): the line has no date of its own.
    partition_column="OrderDate",
    indexes=(("ProductID",), ("ModifiedDate",)),
    description="Order lines, partitioned by their order's OrderDate.",
)

SALES_RETURN = SourceTable(
    "Sales",
    "SalesReturn",
    _cols("""
        SalesReturnID INTEGER NOT NULL
        SalesOrderID INTEGER NOT NULL
        SalesOrderDetailID INTEGER NOT NULL
        ReturnDate DATETIME NOT NULL
        ReturnQty SMALLINT NOT NULL
        ReturnReason NVARCHAR(50)
        ModifiedDate DATETIME NOT NULL
    """),
    ("SalesReturnID",),
    partition_column="ReturnDate",
    optional=True,
    indexes=(("ReturnDate",), ("SalesOrderID", "SalesOrderDetailID"), ("ModifiedDate",)),
    description="Returned order lines (not in AdventureWorks; this project's returns source), "
    "partitioned by ReturnDate.",
)

CUSTOMER = SourceTable(
    "Sales",
    "Customer",
    _cols("""
        CustomerID INTEGER NOT NULL
        PersonID INTEGER
        StoreID INTEGER
        TerritoryID INTEGER
        AccountNumber VARCHAR(10) NOT NULL
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("CustomerID",),
    # Reference tables that grow with the business load incrementally by ModifiedDate.
    indexes=(("ModifiedDate",),),
    description="Customers: people (PersonID), stores (StoreID) or a store's contact (both).",
)

STORE = SourceTable(
    "Sales",
    "Store",
    _cols("""
        BusinessEntityID INTEGER NOT NULL
        Name NVARCHAR(50) NOT NULL
        SalesPersonID INTEGER
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("BusinessEntityID",),
    # Reference tables that grow with the business load incrementally by ModifiedDate.
    indexes=(("ModifiedDate",),),
    description="Reseller stores.",
)

SALES_TERRITORY = SourceTable(
    "Sales",
    "SalesTerritory",
    _cols("""
        TerritoryID INTEGER NOT NULL
        Name NVARCHAR(50) NOT NULL
        CountryRegionCode NVARCHAR(3) NOT NULL
        Group NVARCHAR(50) NOT NULL
        SalesYTD NUMERIC(19,4) NOT NULL
        SalesLastYear NUMERIC(19,4) NOT NULL
        CostYTD NUMERIC(19,4) NOT NULL
        CostLastYear NUMERIC(19,4) NOT NULL
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("TerritoryID",),
    description="Sales territories.",
)

SPECIAL_OFFER = SourceTable(
    "Sales",
    "SpecialOffer",
    _cols("""
        SpecialOfferID INTEGER NOT NULL
        Description NVARCHAR(255) NOT NULL
        DiscountPct NUMERIC(10,4) NOT NULL
        Type NVARCHAR(50) NOT NULL
        Category NVARCHAR(50) NOT NULL
        StartDate DATETIME NOT NULL
        EndDate DATETIME NOT NULL
        MinQty INTEGER NOT NULL
        MaxQty INTEGER
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("SpecialOfferID",),
    description="Discounts: volume discounts, promotions and clearances.",
)

PRODUCT = SourceTable(
    "Production",
    "Product",
    _cols("""
        ProductID INTEGER NOT NULL
        Name NVARCHAR(50) NOT NULL
        ProductNumber NVARCHAR(25) NOT NULL
        MakeFlag BOOLEAN NOT NULL
        FinishedGoodsFlag BOOLEAN NOT NULL
        Color NVARCHAR(15)
        SafetyStockLevel SMALLINT NOT NULL
        ReorderPoint SMALLINT NOT NULL
        StandardCost NUMERIC(19,4) NOT NULL
        ListPrice NUMERIC(19,4) NOT NULL
        Size NVARCHAR(5)
        SizeUnitMeasureCode NCHAR(3)
        WeightUnitMeasureCode NCHAR(3)
        Weight DECIMAL(8,2)
        DaysToManufacture INTEGER NOT NULL
        ProductLine NCHAR(2)
        Class NCHAR(2)
        Style NCHAR(2)
        ProductSubcategoryID INTEGER
        ProductModelID INTEGER
        SellStartDate DATETIME NOT NULL
        SellEndDate DATETIME
        DiscontinuedDate DATETIME
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("ProductID",),
    description="Products (finished goods and parts).",
)

PRODUCT_SUBCATEGORY = SourceTable(
    "Production",
    "ProductSubcategory",
    _cols("""
        ProductSubcategoryID INTEGER NOT NULL
        ProductCategoryID INTEGER NOT NULL
        Name NVARCHAR(50) NOT NULL
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("ProductSubcategoryID",),
    description="Product subcategories.",
)

PRODUCT_CATEGORY = SourceTable(
    "Production",
    "ProductCategory",
    _cols("""
        ProductCategoryID INTEGER NOT NULL
        Name NVARCHAR(50) NOT NULL
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("ProductCategoryID",),
    description="Product categories.",
)

PRODUCT_INVENTORY = SourceTable(
    "Production",
    "ProductInventory",
    _cols("""
        ProductID INTEGER NOT NULL
        LocationID SMALLINT NOT NULL
        Shelf NVARCHAR(10) NOT NULL
        Bin SMALLINT NOT NULL
        Quantity SMALLINT NOT NULL
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("ProductID", "LocationID"),
    # The order-taking system lowers Quantity as it takes orders: loaded incrementally by ModifiedDate.
    indexes=(("ModifiedDate",),),
    description="On-hand quantity per product and location (Production.Location; 7 = Finished Goods Storage).",
)

PRODUCT_COST_HISTORY = SourceTable(
    "Production",
    "ProductCostHistory",
    _cols("""
        ProductID INTEGER NOT NULL
        StartDate DATETIME NOT NULL
        EndDate DATETIME
        StandardCost NUMERIC(19,4) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("ProductID", "StartDate"),
    # A new period is added (and the previous one closed) as costs change: loaded incrementally by ModifiedDate.
    indexes=(("ModifiedDate",),),
    description="A product's standard cost per period, from StartDate to EndDate inclusive (EndDate NULL = current).",
)

PERSON = SourceTable(
    "Person",
    "Person",
    _cols("""
        BusinessEntityID INTEGER NOT NULL
        PersonType NCHAR(2) NOT NULL
        NameStyle BOOLEAN NOT NULL
        Title NVARCHAR(8)
        FirstName NVARCHAR(50) NOT NULL
        MiddleName NVARCHAR(50)
        LastName NVARCHAR(50) NOT NULL
        Suffix NVARCHAR(10)
        EmailPromotion INTEGER NOT NULL
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("BusinessEntityID",),
    # Reference tables that grow with the business load incrementally by ModifiedDate.
    indexes=(("ModifiedDate",),),
    description="People: individual customers and store contacts.",
)

ADDRESS = SourceTable(
    "Person",
    "Address",
    _cols("""
        AddressID INTEGER NOT NULL
        AddressLine1 NVARCHAR(60) NOT NULL
        AddressLine2 NVARCHAR(60)
        City NVARCHAR(30) NOT NULL
        StateProvinceID INTEGER NOT NULL
        PostalCode NVARCHAR(15) NOT NULL
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("AddressID",),
    # Reference tables that grow with the business load incrementally by ModifiedDate.
    indexes=(("ModifiedDate",),),
    description="Postal addresses (bill-to and ship-to of orders).",
)

STATE_PROVINCE = SourceTable(
    "Person",
    "StateProvince",
    _cols("""
        StateProvinceID INTEGER NOT NULL
        StateProvinceCode NCHAR(3) NOT NULL
        CountryRegionCode NVARCHAR(3) NOT NULL
        IsOnlyStateProvinceFlag BOOLEAN NOT NULL
        Name NVARCHAR(50) NOT NULL
        TerritoryID INTEGER NOT NULL
        rowguid CHAR(36) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("StateProvinceID",),
    description="States and provinces.",
)

COUNTRY_REGION = SourceTable(
    "Person",
    "CountryRegion",
    _cols("""
        CountryRegionCode NVARCHAR(3) NOT NULL
        Name NVARCHAR(50) NOT NULL
        ModifiedDate DATETIME NOT NULL
    """),
    ("CountryRegionCode",),
    description="Countries and regions.",
)

# Order matters only for readability of generated files and the asset list.
ALL_TABLES: tuple[SourceTable, ...] = (
    SALES_ORDER_HEADER,
    SALES_ORDER_DETAIL,
    SALES_RETURN,
    CUSTOMER,
    STORE,
    SALES_TERRITORY,
    SPECIAL_OFFER,
    PRODUCT,
    PRODUCT_SUBCATEGORY,
    PRODUCT_CATEGORY,
    PRODUCT_INVENTORY,
    PRODUCT_COST_HISTORY,
    PERSON,
    ADDRESS,
    STATE_PROVINCE,
    COUNTRY_REGION,
)
PARTITIONED_TABLES = tuple(t for t in ALL_TABLES if t.partition_column)
REFERENCE_TABLES = tuple(t for t in ALL_TABLES if not t.partition_column)
SCHEMAS: tuple[str, ...] = ("Sales", "Production", "Person")
