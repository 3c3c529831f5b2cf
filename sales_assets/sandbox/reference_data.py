"""Fixed reference data for the generator, shaped like AdventureWorks2019's own."""

from __future__ import annotations

# TerritoryID, Name, CountryRegionCode, Group, tax rate (basis points) applied to orders there.
TERRITORIES: list[tuple[int, str, str, str, int]] = [
    (1, "Northwest", "US", "North America", 800),
    (2, "Northeast", "US", "North America", 800),
    (3, "Central", "US", "North America", 800),
    (4, "Southwest", "US", "North America", 800),
    (5, "Southeast", "US", "North America", 800),
    (6, "Canada", "CA", "North America", 700),
    (7, "France", "FR", "Europe", 1960),
    (8, "Germany", "DE", "Europe", 1600),
    (9, "Australia", "AU", "Pacific", 1000),
    (10, "United Kingdom", "GB", "Europe", 1750),
]

COUNTRY_REGIONS: list[tuple[str, str]] = [
    ("AU", "Australia"),
    ("CA", "Canada"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("GB", "United Kingdom"),
    ("US", "United States"),
    ("MX", "Mexico"),
    ("NZ", "New Zealand"),
    ("JP", "Japan"),
    ("IT", "Italy"),
]

# StateProvinceCode, CountryRegionCode, Name, TerritoryID, customer weight, cities.
STATE_PROVINCES: list[tuple[str, str, str, int, int, tuple[str, ...]]] = [
    ("WA", "US", "Washington", 1, 60, ("Seattle", "Bellevue", "Redmond", "Everett", "Spokane")),
    ("OR", "US", "Oregon", 1, 40, ("Portland", "Salem", "Beaverton", "Lake Oswego")),
    ("ID", "US", "Idaho", 1, 3, ("Boise", "Coeur d'Alene")),
    ("MT", "US", "Montana", 1, 2, ("Billings", "Missoula")),
    ("WY", "US", "Wyoming", 1, 1, ("Cheyenne", "Casper")),
    ("NY", "US", "New York", 2, 6, ("New York", "Albany", "Rochester")),
    ("MA", "US", "Massachusetts", 2, 4, ("Boston", "Cambridge", "Worcester")),
    ("PA", "US", "Pennsylvania", 2, 3, ("Philadelphia", "Pittsburgh")),
    ("CT", "US", "Connecticut", 2, 2, ("Hartford", "New Haven")),
    ("IL", "US", "Illinois", 3, 4, ("Chicago", "Springfield")),
    ("MN", "US", "Minnesota", 3, 3, ("Minneapolis", "Saint Paul")),
    ("MI", "US", "Michigan", 3, 3, ("Detroit", "Grand Rapids")),
    ("OH", "US", "Ohio", 3, 3, ("Columbus", "Cleveland")),
    ("TX", "US", "Texas", 4, 6, ("Dallas", "Austin", "Houston")),
    ("CA", "US", "California", 4, 110, ("Los Angeles", "San Francisco", "San Diego", "Berkeley", "Concord")),
    ("AZ", "US", "Arizona", 4, 3, ("Phoenix", "Tucson")),
    ("UT", "US", "Utah", 4, 2, ("Salt Lake City", "Provo")),
    ("FL", "US", "Florida", 5, 5, ("Miami", "Orlando", "Tampa")),
    ("GA", "US", "Georgia", 5, 3, ("Atlanta", "Savannah")),
    ("NC", "US", "North Carolina", 5, 3, ("Charlotte", "Raleigh")),
    ("BC", "CA", "British Columbia", 6, 28, ("Vancouver", "Victoria", "Burnaby", "Surrey")),
    ("ON", "CA", "Ontario", 6, 8, ("Toronto", "Ottawa")),
    ("AB", "CA", "Alberta", 6, 5, ("Calgary", "Edmonton")),
    ("QC", "CA", "Quebec", 6, 3, ("Montreal", "Quebec")),
    ("75", "FR", "Seine (Paris)", 7, 12, ("Paris",)),
    ("92", "FR", "Hauts de Seine", 7, 6, ("Boulogne-Billancourt", "Colombes")),
    ("59", "FR", "Nord", 7, 4, ("Lille", "Roubaix")),
    ("13", "FR", "Bouches du Rhône", 7, 3, ("Marseille",)),
    ("HE", "DE", "Hessen", 8, 8, ("Frankfurt am Main", "Darmstadt")),
    ("HH", "DE", "Hamburg", 8, 6, ("Hamburg",)),
    ("BY", "DE", "Bayern", 8, 5, ("München", "Augsburg")),
    ("NW", "DE", "Nordrhein-Westfalen", 8, 7, ("Köln", "Düsseldorf", "Essen")),
    ("NSW", "AU", "New South Wales", 9, 30, ("Sydney", "Newcastle", "Wollongong")),
    ("VIC", "AU", "Victoria", 9, 15, ("Melbourne", "Geelong")),
    ("QLD", "AU", "Queensland", 9, 12, ("Brisbane", "Gold Coast")),
    ("SA", "AU", "South Australia", 9, 4, ("Adelaide",)),
    ("ENG", "GB", "England", 10, 35, ("London", "Oxford", "Manchester", "Birmingham")),
]

CATEGORIES: list[str] = ["Bikes", "Components", "Clothing", "Accessories"]

# Subcategory name, CategoryID (1-based into CATEGORIES), list price range (whole currency units),
# weight of online demand, weight of reseller demand, return propensity (relative).
SUBCATEGORIES: list[tuple[str, int, tuple[int, int], float, float, float]] = [
    ("Mountain Bikes", 1, (540, 3400), 3.0, 3.0, 0.6),
    ("Road Bikes", 1, (540, 3580), 4.0, 3.5, 0.6),
    ("Touring Bikes", 1, (740, 2380), 1.5, 1.5, 0.6),
    ("Handlebars", 2, (44, 120), 0.0, 0.6, 0.8),
    ("Bottom Brackets", 2, (53, 121), 0.0, 0.3, 0.8),
    ("Brakes", 2, (64, 64), 0.0, 0.4, 0.8),
    ("Chains", 2, (20, 20), 0.0, 0.3, 0.8),
    ("Cranksets", 2, (256, 404), 0.0, 0.4, 0.8),
    ("Derailleurs", 2, (91, 121), 0.0, 0.4, 0.8),
    ("Forks", 2, (148, 229), 0.0, 0.3, 0.8),
    ("Headsets", 2, (34, 124), 0.0, 0.3, 0.8),
    ("Mountain Frames", 2, (264, 1364), 0.0, 1.2, 0.8),
    ("Pedals", 2, (40, 80), 0.0, 0.4, 0.8),
    ("Road Frames", 2, (337, 1431), 0.0, 1.2, 0.8),
    ("Saddles", 2, (27, 52), 0.0, 0.3, 0.8),
    ("Touring Frames", 2, (333, 1003), 0.0, 0.6, 0.8),
    ("Wheels", 2, (60, 330), 0.0, 0.6, 0.8),
    ("Bib-Shorts", 3, (90, 90), 0.2, 0.4, 2.5),
    ("Caps", 3, (9, 9), 1.0, 0.6, 1.0),
    ("Gloves", 3, (24, 49), 0.6, 0.5, 2.0),
    ("Jerseys", 3, (50, 54), 1.4, 0.8, 2.8),
    ("Shorts", 3, (70, 70), 0.6, 0.4, 2.6),
    ("Socks", 3, (9, 9), 0.4, 0.3, 1.2),
    ("Tights", 3, (75, 75), 0.1, 0.2, 2.2),
    ("Vests", 3, (64, 64), 0.2, 0.4, 2.0),
    ("Bike Racks", 4, (120, 120), 0.2, 0.3, 0.5),
    ("Bike Stands", 4, (159, 159), 0.2, 0.0, 0.5),
    ("Bottles and Cages", 4, (5, 10), 2.5, 0.4, 0.3),
    ("Cleaners", 4, (8, 8), 0.6, 0.3, 0.3),
    ("Fenders", 4, (22, 22), 0.6, 0.0, 0.5),
    ("Helmets", 4, (35, 35), 2.5, 0.6, 1.5),
    ("Hydration Packs", 4, (55, 55), 0.4, 0.2, 0.8),
    ("Lights", 4, (14, 45), 0.0, 0.3, 0.8),
    ("Locks", 4, (25, 25), 0.0, 0.2, 0.5),
    ("Panniers", 4, (125, 125), 0.0, 0.1, 0.8),
    ("Pumps", 4, (20, 25), 0.0, 0.2, 0.8),
    ("Tires and Tubes", 4, (3, 35), 2.5, 0.3, 0.7),
]

# Finished goods per subcategory (AdventureWorks has 295 in all).
PRODUCTS_PER_SUBCATEGORY: list[int] = [
    32,
    43,
    22,
    8,
    3,
    2,
    1,
    3,
    2,
    3,
    3,
    28,
    7,
    33,
    9,
    18,
    14,
    3,
    1,
    6,
    8,
    7,
    4,
    3,
    3,
    1,
    1,
    3,
    1,
    1,
    3,
    1,
    3,
    1,
    1,
    2,
    11,
]
PART_PRODUCTS = 209  # parts and raw materials: no subcategory, never sold

COLORS: list[str | None] = ["Black", "Red", "Silver", "Blue", "Yellow", "Multi", None]
SIZES_BIKE: list[str] = ["38", "40", "42", "44", "46", "48", "52", "58", "60", "62"]
SIZES_CLOTHING: list[str] = ["S", "M", "L", "XL"]

# SpecialOfferID, Description, DiscountPct (whole percent), Type, Category, MinQty, MaxQty,
# subcategory it promotes (None: any product).
SPECIAL_OFFERS: list[tuple[int, str, int, str, str, int, int | None, str | None]] = [
    (1, "No Discount", 0, "No Discount", "No Discount", 0, None, None),
    (2, "Volume Discount 11 to 14", 2, "Volume Discount", "Reseller", 11, 14, None),
    (3, "Volume Discount 15 to 24", 5, "Volume Discount", "Reseller", 15, 24, None),
    (4, "Volume Discount 25 to 40", 10, "Volume Discount", "Reseller", 25, 40, None),
    (5, "Volume Discount 41 to 60", 15, "Volume Discount", "Reseller", 41, 60, None),
    (6, "Volume Discount over 60", 20, "Volume Discount", "Reseller", 61, None, None),
    (7, "Mountain-100 Clearance Sale", 35, "Discontinued Product", "Reseller", 0, None, "Mountain Bikes"),
    (8, "Sport Helmet Discount-2002", 10, "Seasonal Discount", "Reseller", 0, None, "Helmets"),
    (9, "Road-650 Overstock", 30, "Excess Inventory", "Reseller", 0, None, "Road Bikes"),
    (10, "Mountain Tire Sale", 50, "Excess Inventory", "Customer", 0, None, "Tires and Tubes"),
    (11, "Sport Helmet Discount-2003", 15, "Seasonal Discount", "Reseller", 0, None, "Helmets"),
    (12, "LL Road Frame Sale", 35, "Excess Inventory", "Reseller", 0, None, "Road Frames"),
    (13, "Touring-3000 Promotion", 15, "New Product", "Reseller", 0, None, "Touring Bikes"),
    (14, "Touring-1000 Promotion", 20, "New Product", "Reseller", 0, None, "Touring Bikes"),
    (15, "Half-Price Pedal Sale", 50, "Seasonal Discount", "Customer", 0, None, "Pedals"),
    (
        16,
        "Mountain-500 Silver Clearance Sale",
        40,
        "Discontinued Product",
        "Reseller",
        0,
        None,
        "Mountain Bikes",
    ),
]

FIRST_NAMES: list[str] = (
    "Jon Eugene Ruben Christy Elizabeth Julio Janet Marco Rob Shannon Jacquelyn Curtis Lauren Ian "
    "Sydney Chloe Wyatt Shannon Clarence Luke Jordan Destiny Ethan Seth Russell Alejandro Harold "
    "Jessie Jill Jimmy Bethany Theresa Denise Jaime Ebony Wendy Jennifer Chloe Diana Marc Jesse "
    "Amanda Megan Nathan Adam Leonard Christine Jaclyn Jeremy Carol Alan Noah Isabella Grace"
).split()
LAST_NAMES: list[str] = (
    "Yang Huang Torres Zhu Johnson Ruiz Alvarez Mehta Verhoff Carlson Suarez Lu Walker Jenkins "
    "Bennett Young Hill Wang Rai Zheng Hall Lee Robinson Perez Kumar Sanchez Gonzalez Adams Diaz "
    "Moreno Allen Martin Morris Nelson Ward Russell Chen Henderson Hughes Bryant Butler Simmons"
).split()
STREETS: list[str] = (
    "Glenside Dr. Pine Creek Way Rainbow Dr. Ryan Rd. Blackwood Dr. Mountain View Cir. Tice Ct. "
    "Olive Hill Dr. Bel Air Rd. Hillsdale Ave. Westwood Pl. Lakeview Ct. Sunset Blvd. Ash Dr."
).split(". ")
STORE_WORDS: tuple[list[str], list[str]] = (
    "Next-Door Professional Riders Area Bike Metro Cycle Sports Mountain Road Eastside Urban "
    "Grand Coastal Valley Trail Summit Family Friendly Discount Premier Local".split(),
    "Bike Store|Sales and Service|Bike Shop|Cycles|Outfitters|Supply|Bicycle Company|Warehouse|"
    "Sporting Goods|Rental Bikes".split("|"),
)
RETURN_REASONS: list[str] = [
    "Wrong size",
    "Defective",
    "Not as described",
    "Changed mind",
    "Damaged in shipping",
]

# Production.Location IDs where AdventureWorks keeps stock (the Location table itself is not in the
# contract): finished goods in storage and, for bikes just built, at final assembly; parts in the
# tool crib, miscellaneous storage and subassembly, each on its own shelf.
FINISHED_GOODS_STORAGE, FINAL_ASSEMBLY = 7, 60
PART_LOCATIONS: list[tuple[int, str]] = [(1, "A"), (6, "B"), (50, "A")]
