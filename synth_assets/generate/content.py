"""The ``content`` table: images users generated, with prompts rendered by Jinja2 templates
from the persona's domain phrase pools plus a general pool of style phrases; each item's
title and tags come from its own prompt. Every item of
the block is drawn whatever the as-of date; the caller keeps those made by then."""

from __future__ import annotations

import numpy as np
import pandas as pd
from jinja2 import Environment, StrictUndefined

from synth_assets.generate.common import SECONDS_PER_DAY, Context
from synth_assets.generate.phrases import (
    DOMAIN_TAGS,
    DOMAINS,
    GENERAL,
    PHRASE_TAGS,
    SUBJECT_OF,
    TAGS,
    prompt_phrases,
    without_article,
)
from synth_assets.personas import IntRange

TABLE = "content"
# A user makes their items over the two years after signing up (a fixed user, the demo
# admin, in its first four weeks, so it has all of them at any as-of date); the dates are
# the same at every as-of date, which shows the items made by then.
SPAN_DAYS = 730
FIXED_SPAN_DAYS = 28
KINDS = np.array(["regular", "auto"])
_ENV = Environment(undefined=StrictUndefined, autoescape=False)
TEMPLATES = [
    _ENV.from_string(source)
    for source in (
        "{{ domain | join(', ') }}{% if general %}, {{ general | join(', ') }}{% endif %}",
        "{{ domain[0] }}{% for p in domain[1:] %}, {{ p }}{% endfor %}"
        "{% if general %} -- {{ general | join(', ') }}{% endif %}",
        "{% if general %}{{ general[0] }}, {% endif %}{{ domain | join(', ') }}"
        "{% if general[1:] %}, {{ general[1:] | join(', ') }}{% endif %}",
    )
]
_GENERAL = np.array(GENERAL, dtype=object)
TITLE_WORDS = 6
# Every tag a domain's phrases carry, in a fixed order to draw extra tags from.
_DOMAIN_TAGS = {name: np.array(sorted(tags), dtype=object) for name, tags in DOMAIN_TAGS.items()}


def _picks(rng: np.random.Generator, pool_size: int, counts: np.ndarray) -> list[np.ndarray]:
    """Per row, ``count`` distinct indices into a pool (a random permutation's head)."""
    keys = rng.random((len(counts), pool_size))
    order = np.argsort(keys, axis=1)
    return [order[i, :count] for i, count in enumerate(counts)]


def render_prompts(
    rng: np.random.Generator, domains: np.ndarray, general: IntRange, domain: IntRange
) -> np.ndarray:
    """One prompt per row: distinct phrases of the row's domain and of the general pool."""
    n = len(domains)
    n_domain = rng.integers(domain.min, domain.max + 1, n)
    general_picks = _picks(rng, len(GENERAL), rng.integers(general.min, general.max + 1, n))
    template = rng.integers(0, len(TEMPLATES), n)
    prompts = np.empty(n, dtype=object)
    for name in np.unique(domains):
        rows = np.flatnonzero(domains == name)
        pool = np.array(DOMAINS[name], dtype=object)
        for row, picked in zip(rows, _picks(rng, len(pool), n_domain[rows]), strict=True):
            prompts[row] = TEMPLATES[template[row]].render(
                domain=list(pool[picked]), general=list(_GENERAL[general_picks[row]])
            )
    return prompts


def _title(prompt: str) -> str:
    """A short title from the prompt's subject: its first phrase of the domain without an
    article, or only that phrase's subject when the whole runs long; capitalised."""
    phrases = prompt_phrases(prompt)
    phrase = next((p for p in phrases if p in SUBJECT_OF), phrases[0])
    if len(phrase.split()) > TITLE_WORDS:
        phrase = SUBJECT_OF.get(phrase, phrase)
    title = without_article(phrase)
    return title[:1].upper() + title[1:]


def _tags(
    rng: np.random.Generator, domains: np.ndarray, prompts: np.ndarray, tags: IntRange
) -> np.ndarray:
    """PostgreSQL array literals: the domain first, then the words of the prompt's own
    subjects and styles, then (when the persona asks for more) other subjects' words of the
    same domain, then the global pool (tags are [a-z0-9_-] words, so need no quoting)."""
    counts = rng.integers(tags.min, tags.max + 1, len(domains))
    literals = np.empty(len(domains), dtype=object)
    for i, (domain, prompt, count) in enumerate(zip(domains, prompts, counts, strict=True)):
        own = [t for p in prompt_phrases(prompt) for t in PHRASE_TAGS.get(p, ())]
        chosen = list(dict.fromkeys([domain, *own]))
        if len(chosen) < count:
            chosen += [t for t in rng.permutation(_DOMAIN_TAGS[domain]) if t not in chosen]
            chosen += [t for t in TAGS if t not in chosen]  # a persona asking for very many
        literals[i] = "{" + ",".join(chosen[:count]) + "}"
    return literals


def generate_content(ctx: Context, users: pd.DataFrame) -> pd.DataFrame:
    persona, rng = ctx.persona, ctx.rng(TABLE)
    spec = persona.content
    generated = ~users["is_fixed"].to_numpy()
    per_user = np.where(
        generated, rng.integers(spec.items_per_user.min, spec.items_per_user.max + 1, len(users)), 0
    )
    owner = np.repeat(np.arange(len(users)), per_user)
    kind = np.where(rng.random(len(owner)) < spec.auto_share, "auto", "regular")
    quota = {str(u.username): u.content_per_kind for u in persona.fixed_users}
    fixed = [
        (i, k)
        for i in np.flatnonzero(~generated)
        for k in KINDS
        for _ in range(quota[users["username"].iloc[i]])
    ]
    if fixed:
        owner = np.concatenate([owner, [i for i, _ in fixed]]).astype(np.int64)
        kind = np.concatenate([kind, [k for _, k in fixed]])
    n = len(owner)
    domains = np.array(spec.domains)[rng.integers(0, len(spec.domains), n)]
    prompts = render_prompts(rng, domains, spec.general_phrases, spec.domain_phrases)
    signup = users["created_at"].to_numpy()[owner].astype("datetime64[s]")
    earliest = signup + np.timedelta64(SECONDS_PER_DAY, "s")  # room for the job before it
    span = np.where(users["is_fixed"].to_numpy()[owner], FIXED_SPAN_DAYS, SPAN_DAYS)
    ids = ctx.ids(TABLE, n)
    return pd.DataFrame(
        {
            "id": ids,
            "user_id": users["id"].to_numpy()[owner],
            "persona": persona.name,
            "title": [_title(prompt) for prompt in prompts],
            "prompt": prompts,
            "tags": _tags(rng, domains, prompts, spec.tags_per_item),
            "image_path": (f"images/{persona.name}/" + pd.Series(ids) + ".png").to_numpy(),
            "kind": kind,
            "created_at": earliest
            + (rng.random(n) * span * SECONDS_PER_DAY).astype("timedelta64[s]"),
        }
    )
