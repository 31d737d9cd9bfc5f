"""Pools of realistic strings built once with Faker, then sampled with numpy.

Faker is slow per call (~10 µs), so it never runs per row: each pool is a few hundred values
drawn from a Faker seeded by the global seed, and generators index into it with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from faker import Faker

POOL_SIZE = 500


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
def pools(seed: int) -> Pools:
    """The string pools for a global seed (cached per process; pure function of the seed)."""
    fake = _faker(seed)
    states = [fake.state_abbr(include_territories=False) for _ in range(POOL_SIZE)]
    return Pools(
        first_names=np.array([fake.first_name() for _ in range(POOL_SIZE)]),
        last_names=np.array([fake.last_name() for _ in range(POOL_SIZE)]),
        cities=np.array([fake.city() for _ in range(POOL_SIZE)]),
        regions=np.array(states),
        postal_codes=np.array([fake.zipcode_in_state(state) for state in states]),
        streets=np.array([fake.street_address() for _ in range(POOL_SIZE)]),
        companies=np.array([fake.company() for _ in range(POOL_SIZE)]),
        local_surnames=np.array([fake.last_name() for _ in range(POOL_SIZE)]),
    )
