"""Plaid's merchant enrichment: what Plaid adds to a transaction of a merchant it knows.

A national chain or a known brand gets a ``merchant_entity_id`` (the same for every store of
the chain and every user, as Plaid's is) and a ``logo_url`` on Plaid's logo host; a store's
number, when its descriptor carries one ("SAFEWAY #05006"), is its ``location.store_number``.
Local businesses stay unenriched: both null.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from synth_assets.generate.catalogue import CATALOGUE
from synth_assets.generate.common import text_take
from synth_assets.personas import Persona

ENTITY_ID_CHARS = (
    37  # the length of Plaid's merchant_entity_id ("O5W5j4dN9OR3E6ypQmjdkWZZRoXEzVMz2ByWM")
)
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
LOGO_HOST = "https://plaid-merchant-logos.plaid.com"
STORE_NUMBER = re.compile(r"#(\d+)$")
# Catalogue names that are not brands Plaid would know: generic public bodies and fees.
GENERIC = frozenset(
    {
        "City Museum", "Metro Transit", "City Bus Authority", "Local Food Bank", "DMV",
        "City Permits Office", "City Water Utility", "ATM Fee", "Overdraft Fee",
    }
)  # fmt: skip
BRANDS = frozenset(
    name
    for spends in CATALOGUE.values()
    for spend in spends
    for name in spend.merchants
    if "{surname}" not in name and name not in GENERIC
)


def known_merchants(persona: Persona) -> frozenset[str]:
    """The merchants Plaid would enrich: the catalogue's brands, and the persona's
    subscription and utility brands."""
    billed = [s.name for s in persona.spending.subscriptions]
    billed += [u.name for u in persona.spending.utilities]
    return BRANDS | (frozenset(billed) - GENERIC)


def entity_id(merchant: str) -> str:
    """A stable, Plaid-shaped id for a merchant: 37 base-62 characters of its name's hash."""
    number = int.from_bytes(hashlib.sha256(f"merchant:{merchant}".encode()).digest(), "big")
    chars = []
    for _ in range(ENTITY_ID_CHARS):
        number, digit = divmod(number, len(BASE62))
        chars.append(BASE62[digit])
    return "".join(chars)


def logo_url(merchant: str) -> str:
    """The merchant's logo on Plaid's logo host, named as Plaid names them (walmart_1100.png)."""
    slug = re.sub(r"[^a-z0-9]+", "_", merchant.lower()).strip("_")
    number = int(hashlib.sha256(f"logo:{merchant}".encode()).hexdigest()[:8], 16) % 2000
    return f"{LOGO_HOST}/{slug}_{number}.png"


def enrich(
    persona: Persona, merchant_name: np.ndarray, name: np.ndarray, in_store: np.ndarray
) -> dict[str, pd.api.extensions.ExtensionArray]:
    """The enrichment columns of the rows: ``merchant_entity_id`` and ``logo_url`` for a
    known merchant, ``location_store_number`` for an in-store row whose descriptor carries a
    store number. Each distinct merchant and descriptor is looked at once."""
    known = known_merchants(persona)
    merchant_code, merchants = pd.factorize(pd.Series(merchant_name, dtype=object))
    enriched = np.array([m in known for m in merchants], dtype=bool)
    is_known = (merchant_code >= 0) & np.r_[enriched, False][merchant_code]
    ids = np.array([entity_id(m) if m in known else "" for m in merchants], dtype=object)
    logos = np.array([logo_url(m) if m in known else "" for m in merchants], dtype=object)
    name_code, names = pd.factorize(pd.Series(name, dtype=object))
    found = [STORE_NUMBER.search(n) for n in names]
    numbers = np.array([f.group(1) if f else "" for f in found], dtype=object)
    has_number = np.r_[np.array([f is not None for f in found], dtype=bool), False][name_code]
    stored = in_store & (name_code >= 0) & has_number
    safe = np.maximum(merchant_code, 0)
    return {
        "merchant_entity_id": text_take(np.append(ids, ""), safe, is_known),
        "logo_url": text_take(np.append(logos, ""), safe, is_known),
        "location_store_number": text_take(
            np.append(numbers, ""), np.maximum(name_code, 0), stored
        ),
    }
