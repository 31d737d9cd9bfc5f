"""What people buy: for each spending category, its detailed categories, typical amounts,
and the merchants that sell it; which merchants exist only online.

A persona weights the primary categories; this catalogue decides everything below that, so a
coffee costs a few dollars at a coffee shop and a flight a few hundred at an airline. A
service (a mechanic, a dentist, a salon, a tax preparer) is not part of that mix: it comes at
a household's yearly rate, in its season, at the one provider the household keeps (``Visits``,
``services``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Visits:
    """How a household uses a service: visits a year by one that uses it, the share of
    households that do, and the months the visits fall in (January first; ``None``: spread
    evenly over the year, a visit every 12 / ``per_year`` months)."""

    per_year: float
    share: float
    months: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Spend:
    """One detailed category: relative weight within its primary, amount median and log
    spread in USD, and merchants (a ``{surname}`` placeholder becomes a local business named
    after a Faker surname)."""

    detailed: str
    weight: float
    median: float
    sigma: float
    merchants: tuple[str, ...]
    visits: Visits | None = None  # a service: its yearly rate, not a share of purchases


def _s(
    detailed: str,
    weight: float,
    median: float,
    sigma: float,
    *merchants: str,
    visits: Visits | None = None,
) -> Spend:
    return Spend(detailed, weight, median, sigma, merchants, visits)


# Services at the rates households use them (the figures and their sources are in
# docs/realism.md, "Services"). Tax preparation is bought in the filing season: IRS Filing
# Season Statistics put about a third of individual returns in February, the rest by mid-April.
TAX_SEASON = (0.05, 0.35, 0.3, 0.3, 0, 0, 0, 0, 0, 0, 0, 0)
CAR_SERVICE = Visits(per_year=3.0, share=0.9)  # an oil change every ~4,500 miles, 13,500 a year
TAX_PREPARATION = Visits(per_year=1.0, share=0.6, months=TAX_SEASON)
DENTIST = Visits(per_year=2.0, share=0.65)  # a check-up every six months
DOCTOR = Visits(per_year=2.5, share=0.8)
VET = Visits(per_year=1.6, share=0.45)  # households with a dog
HAIRCUT = Visits(per_year=7.0, share=0.85)  # every seven or eight weeks
HOME_REPAIR = Visits(per_year=1.5, share=0.5)


CATALOGUE: dict[str, tuple[Spend, ...]] = {
    "FOOD_AND_DRINK": (
        _s(
            "FOOD_AND_DRINK_COFFEE",
            3,
            5.5,
            0.35,
            "Starbucks",
            "Dunkin'",
            "Peet's Coffee",
            "{surname} Coffee Roasters",
        ),
        _s(
            "FOOD_AND_DRINK_FAST_FOOD",
            3,
            11,
            0.4,
            "McDonald's",
            "Chipotle",
            "Taco Bell",
            "Subway",
            "Chick-fil-A",
        ),
        _s(
            "FOOD_AND_DRINK_GROCERIES",
            4,
            62,
            0.6,
            "Whole Foods Market",
            "Trader Joe's",
            "Kroger",
            "Safeway",
            "{surname}'s Market",
        ),
        _s(
            "FOOD_AND_DRINK_RESTAURANT",
            3,
            38,
            0.6,
            "{surname}'s Kitchen",
            "The {surname} Grill",
            "Olive Garden",
            "Cheesecake Factory",
        ),
        _s(
            "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR",
            1,
            24,
            0.5,
            "Total Wine",
            "BevMo",
            "{surname} Wine & Spirits",
        ),
    ),
    "GENERAL_MERCHANDISE": (
        _s("GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", 4, 35, 0.8, "Amazon", "eBay", "Etsy"),
        _s("GENERAL_MERCHANDISE_SUPERSTORES", 3, 55, 0.7, "Target", "Walmart", "Costco"),
        _s(
            "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
            2,
            48,
            0.7,
            "Uniqlo",
            "H&M",
            "Gap",
            "Nordstrom Rack",
        ),
        _s(
            "GENERAL_MERCHANDISE_ELECTRONICS",
            1,
            120,
            0.9,
            "Best Buy",
            "Apple Store",
            "B&H Photo",
        ),
        _s(
            "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS",
            1,
            18,
            0.5,
            "Barnes & Noble",
            "{surname} Books",
        ),
        _s("GENERAL_MERCHANDISE_PET_SUPPLIES", 1, 40, 0.6, "Petco", "Chewy", "PetSmart"),
    ),
    "TRANSPORTATION": (
        _s("TRANSPORTATION_GAS", 3, 42, 0.35, "Shell", "Chevron", "Exxon", "BP"),
        _s("TRANSPORTATION_TAXIS_AND_RIDE_SHARES", 2, 19, 0.5, "Uber", "Lyft"),
        _s(
            "TRANSPORTATION_PUBLIC_TRANSIT",
            2,
            2.75,
            0.4,
            "Metro Transit",
            "City Bus Authority",
        ),
        _s("TRANSPORTATION_PARKING", 1, 12, 0.6, "ParkMobile", "SP+ Parking"),
    ),
    "ENTERTAINMENT": (
        _s(
            "ENTERTAINMENT_TV_AND_MOVIES",
            2,
            16,
            0.4,
            "AMC Theatres",
            "Regal Cinemas",
            "Fandango",
        ),
        _s(
            "ENTERTAINMENT_VIDEO_GAMES",
            1,
            30,
            0.6,
            "Steam",
            "PlayStation Store",
            "Nintendo eShop",
        ),
        _s(
            "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS",
            1,
            45,
            0.6,
            "Ticketmaster",
            "StubHub",
            "City Museum",
        ),
        _s(
            "ENTERTAINMENT_MUSIC_AND_AUDIO",
            1,
            12,
            0.5,
            "Guitar Center",
            "Bandcamp",
            "{surname} Records",
        ),
    ),
    "PERSONAL_CARE": (
        _s(
            "PERSONAL_CARE_HAIR_AND_BEAUTY",
            2,
            45,
            0.5,
            "Great Clips",
            "Supercuts",
            "{surname} Salon",
            "{surname} Barbershop",
            visits=HAIRCUT,
        ),
        _s(
            "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING",
            1,
            18,
            0.4,
            "{surname} Cleaners",
            "Spin Laundromat",
        ),
        _s(
            "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
            1,
            25,
            0.5,
            "{surname} Climbing Gym",
            "{surname} Yoga",
        ),
    ),
    "MEDICAL": (
        _s(
            "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
            3,
            22,
            0.6,
            "CVS Pharmacy",
            "Walgreens",
            "Rite Aid",
        ),
        _s(
            "MEDICAL_PRIMARY_CARE",
            1,
            85,
            0.7,
            "{surname} Family Medicine",
            "One Medical",
            visits=DOCTOR,
        ),
        _s("MEDICAL_DENTAL_CARE", 1, 140, 0.6, "{surname} Dental", visits=DENTIST),
        _s(
            "MEDICAL_VETERINARY_SERVICES",
            1,
            120,
            0.6,
            "Banfield Pet Hospital",
            "{surname} Animal Clinic",
            visits=VET,
        ),
    ),
    "HOME_IMPROVEMENT": (
        _s("HOME_IMPROVEMENT_HARDWARE", 5, 48, 0.8, "The Home Depot", "Lowe's", "Ace Hardware"),
        _s("HOME_IMPROVEMENT_FURNITURE", 1, 260, 0.8, "IKEA", "Wayfair", "West Elm"),
        _s(
            "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE",
            1,
            180,
            0.7,
            "{surname} Plumbing",
            "{surname} Handyman",
            visits=HOME_REPAIR,
        ),
    ),
    "TRAVEL": (
        _s(
            "TRAVEL_FLIGHTS",
            2,
            320,
            0.5,
            "Delta Air Lines",
            "United Airlines",
            "Southwest Airlines",
        ),
        _s("TRAVEL_LODGING", 2, 210, 0.6, "Marriott", "Hilton", "Airbnb"),
        _s("TRAVEL_RENTAL_CARS", 1, 160, 0.5, "Hertz", "Enterprise"),
    ),
    "GENERAL_SERVICES": (
        _s(
            "GENERAL_SERVICES_AUTOMOTIVE",
            2,
            95,
            0.8,
            "Jiffy Lube",
            "Midas",
            "{surname} Auto Repair",
            visits=CAR_SERVICE,
        ),
        _s(
            "GENERAL_SERVICES_POSTAGE_AND_SHIPPING",
            1,
            14,
            0.6,
            "USPS",
            "UPS Store",
            "FedEx Office",
        ),
        _s("GENERAL_SERVICES_EDUCATION", 1, 90, 0.9, "Coursera", "Udemy", "{surname} Tutoring"),
        _s(
            "GENERAL_SERVICES_ACCOUNTING_AND_FINANCIAL_PLANNING",
            1,
            150,
            0.6,
            "TurboTax",
            "{surname} CPA",
            visits=TAX_PREPARATION,
        ),
    ),
    "GOVERNMENT_AND_NON_PROFIT": (
        _s(
            "GOVERNMENT_AND_NON_PROFIT_DONATIONS",
            2,
            40,
            0.8,
            "Red Cross",
            "GoFundMe",
            "Local Food Bank",
        ),
        _s(
            "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES",
            1,
            60,
            0.7,
            "DMV",
            "City Permits Office",
        ),
    ),
    "RENT_AND_UTILITIES": (
        _s(
            "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
            2,
            95,
            0.3,
            "PG&E",
            "Con Edison",
            "Duke Energy",
        ),
        _s(
            "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
            1,
            70,
            0.2,
            "Comcast Xfinity",
            "Spectrum",
            "Verizon Fios",
        ),
        _s("RENT_AND_UTILITIES_TELEPHONE", 1, 55, 0.2, "Verizon Wireless", "T-Mobile", "AT&T"),
        _s("RENT_AND_UTILITIES_WATER", 1, 45, 0.3, "City Water Utility"),
    ),
    "BANK_FEES": (
        _s("BANK_FEES_ATM_FEES", 2, 3.0, 0.2, "ATM Fee"),
        _s("BANK_FEES_OVERDRAFT_FEES", 1, 35, 0.05, "Overdraft Fee"),
    ),
}

# Merchants a person can only pay online (an app, a website, a bill paid online); every other
# merchant is paid in person, at the counter or the door: a restaurant, a dentist, a salon.
ONLINE_ONLY: frozenset[str] = frozenset(
    {
        "Amazon", "eBay", "Etsy", "Chewy", "B&H Photo", "Uber", "Lyft", "ParkMobile",
        "Fandango", "Steam", "PlayStation Store", "Nintendo eShop", "Ticketmaster", "StubHub",
        "Bandcamp", "Wayfair", "Delta Air Lines", "United Airlines",
        "Southwest Airlines", "Airbnb", "Coursera", "Udemy", "TurboTax", "GoFundMe", "Red Cross",
        "PG&E", "Con Edison", "Duke Energy", "Comcast Xfinity", "Spectrum", "Verizon Fios",
        "Verizon Wireless", "T-Mobile", "AT&T", "City Water Utility",
    }
)  # fmt: skip
# The detailed categories of the services, with how households use them.
SERVICES: dict[str, Visits] = {
    spend.detailed: spend.visits
    for spends in CATALOGUE.values()
    for spend in spends
    if spend.visits is not None
}

# Categories always paid in person (the service is done where the customer is).
IN_PERSON: frozenset[str] = frozenset(
    {
        "FOOD_AND_DRINK_RESTAURANT", "MEDICAL_DENTAL_CARE", "MEDICAL_PRIMARY_CARE",
        "MEDICAL_VETERINARY_SERVICES", "PERSONAL_CARE_HAIR_AND_BEAUTY",
        "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING", "GENERAL_SERVICES_AUTOMOTIVE",
        "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE",
    }
)  # fmt: skip

# Transit charges a fixed fare: one ride, two (a transfer the system charges for), or a
# 30-day pass, at the user's home system (the fares each agency publishes for 2025: MTA
# New York $2.90 and $132; CTA Chicago $2.50 and $75; MBTA Boston $2.40 and $90; SFMTA
# San Francisco $3.00 and $86; LA Metro $1.75, whose fare capping stands in for a pass at
# $18 a week); elsewhere a bus fare of $2.00 and a $60 pass (ours: a mid-size city system).
TRANSIT_FARES: dict[str, tuple[float, float]] = {
    **dict.fromkeys(
        ["New York City", "Brooklyn", "Queens", "Manhattan", "The Bronx", "Staten Island"],
        (2.90, 132.00),
    ),
    "Chicago": (2.50, 75.00),
    "Boston": (2.40, 90.00),
    "San Francisco": (3.00, 86.00),
    "Los Angeles": (1.75, 18.00),
}
DEFAULT_FARE = (2.00, 60.00)
TRANSIT = "TRANSPORTATION_PUBLIC_TRANSIT"
FARE_KINDS = (1.0, 2.0, 0.0)  # rides paid for (0: the pass)
FARE_WEIGHTS = (0.75, 0.2, 0.05)

# How a utility bill moves with the season, January first: power and gas peak with heating in
# winter and cooling in summer, water with summer gardens (the shape of U.S. residential
# electricity sales by month, EIA Electric Power Monthly table 5.1; the factors are ours,
# averaging one over the year).
SEASONS: dict[str, tuple[float, ...]] = {
    "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY": (
        1.18, 1.08, 0.96, 0.86, 0.88, 1.02, 1.16, 1.17, 1.02, 0.86, 0.88, 1.03,
    ),
    "RENT_AND_UTILITIES_WATER": (0.9, 0.88, 0.92, 0.97, 1.05, 1.15, 1.2, 1.18, 1.08, 0.97, 0.9, 0.88),
}  # fmt: skip
