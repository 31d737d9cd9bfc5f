"""The ``content`` table: images users generated, with prompts rendered from Jinja2 templates
over the persona's domain phrase pools."""

from __future__ import annotations

import numpy as np
import pandas as pd
from jinja2 import Environment, StrictUndefined

from synth_assets.generate.common import SECONDS_PER_DAY, Context
from synth_assets.generate.phrases import DOMAINS, GENERAL, TAGS

TABLE = "content"
KINDS = np.array(["regular", "auto"])
GENERAL_PHRASES = (0, 3)  # inclusive range of general phrases per prompt
DOMAIN_PHRASES = (2, 5)  # inclusive range of domain phrases per prompt
_TEMPLATE = Environment(undefined=StrictUndefined, autoescape=False).from_string(
    "{{ domain | join(', ') }}{% if general %}, {{ general | join(', ') }}{% endif %}"
)


def render_prompts(rng: np.random.Generator, domains: np.ndarray) -> np.ndarray:
    """One prompt per row, combining phrases of the row's domain with general phrases."""
    n_domain = rng.integers(DOMAIN_PHRASES[0], DOMAIN_PHRASES[1] + 1, len(domains))
    n_general = rng.integers(GENERAL_PHRASES[0], GENERAL_PHRASES[1] + 1, len(domains))
    keys = rng.random((len(domains), len(GENERAL)))
    prompts = np.empty(len(domains), dtype=object)
    for i, (domain, k_domain, k_general) in enumerate(
        zip(domains, n_domain, n_general, strict=True)
    ):
        pool = DOMAINS[domain]
        picked = np.argsort(keys[i, : len(pool)])[:k_domain]
        general = np.argsort(keys[i, ::-1])[:k_general]
        prompts[i] = _TEMPLATE.render(
            domain=[pool[j] for j in picked], general=[GENERAL[j] for j in general]
        )
    return prompts


def _titles(prompts: np.ndarray) -> np.ndarray:
    first = pd.Series(prompts).str.split(",", n=1).str[0].str.strip()
    return (first.str.removeprefix("a ").str.removeprefix("an ").str.capitalize()).to_numpy()


def _tags(rng: np.random.Generator, domains: np.ndarray, low: int, high: int) -> np.ndarray:
    """Postgres array literals (``{a,b}``): tags are [a-z0-9_-] words, so need no quoting."""
    counts = rng.integers(low, high + 1, len(domains))
    pool = np.array(TAGS)
    tags = np.empty(len(domains), dtype=object)
    for i, (domain, count) in enumerate(zip(domains, counts, strict=True)):
        chosen = [domain, *pool[rng.choice(len(pool), size=count, replace=False)]][:count]
        tags[i] = "{" + ",".join(dict.fromkeys(chosen)) + "}"
    return tags


def generate_content(ctx: Context, users: pd.DataFrame) -> pd.DataFrame:
    persona, rng = ctx.persona, ctx.rng(TABLE)
    spec = persona.content
    generated = ~users["is_fixed"].to_numpy()
    per_user = np.where(
        generated, rng.integers(spec.items_per_user.min, spec.items_per_user.max + 1, len(users)), 0
    )
    owner = np.repeat(np.arange(len(users)), per_user)
    kind = np.where(rng.random(len(owner)) < spec.auto_share, "auto", "regular")
    fixed = [
        (i, k)
        for i in np.flatnonzero(~generated)
        for k in KINDS
        for _ in range(_fixed_count(ctx, users, i))
    ]
    if fixed:
        owner = np.concatenate([owner, [i for i, _ in fixed]])
        kind = np.concatenate([kind, [k for _, k in fixed]])
    n = len(owner)
    domains = np.array(spec.domains)[rng.integers(0, len(spec.domains), n)]
    prompts = render_prompts(rng, domains)
    signup = users["created_at"].to_numpy()[owner].astype("datetime64[s]")
    end = np.datetime64(persona.date_range.end, "s") + SECONDS_PER_DAY - 1
    # Content starts a day after signup, leaving room for its generation job before it.
    earliest = signup + np.timedelta64(SECONDS_PER_DAY, "s")
    span = np.maximum((end - earliest) / np.timedelta64(1, "s"), 1)
    created = earliest + (rng.random(n) * span).astype("timedelta64[s]")
    ids = ctx.ids(TABLE, n)
    return pd.DataFrame(
        {
            "id": ids,
            "user_id": users["id"].to_numpy()[owner],
            "persona": persona.name,
            "title": _titles(prompts),
            "prompt": prompts,
            "tags": _tags(rng, domains, spec.tags_per_item.min, spec.tags_per_item.max),
            "image_path": np.char.add(
                np.char.add("images/" + persona.name + "/", ids.astype(str)), ".png"
            ),
            "kind": kind,
            "created_at": created,
        }
    )


def _fixed_count(ctx: Context, users: pd.DataFrame, row: int) -> int:
    username = users["username"].iloc[row]
    return next(u.content_per_kind for u in ctx.persona.fixed_users if u.username == username)
