"""Property: a persona file, however mangled, is either refused with a message naming the file,
or accepted and generates. Hypothesis mutates the shipped files (values replaced by hostile
ones, keys removed or added, text truncated or sprinkled with garbage bytes); nothing else,
no traceback from numpy or PyYAML, may happen. The example count is bounded so `make test`
stays fast; raise it with SYNTH_FUZZ_EXAMPLES."""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.personas import DEFAULT_PERSONAS_DIR, PersonaError, load_persona

EXAMPLES = int(os.environ.get("SYNTH_FUZZ_EXAMPLES", "60"))
GENERATED_USERS = 4  # accepted personas generate at a scale giving about this many users
SHIPPED = {
    path.stem: path.read_text(encoding="utf-8")
    for path in sorted(DEFAULT_PERSONAS_DIR.glob("*.yaml"))
}

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2025-02-30", "2025-13-01", "-1", ".inf", "1e400", "", "0", "{}", "[]"]),
    st.lists(st.integers(min_value=-5, max_value=50), max_size=3),
    st.dictionaries(st.text(max_size=6), st.floats(allow_nan=True), max_size=3),
)


def _paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every key path in a parsed YAML document (mapping keys and list indexes)."""
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, child in children:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _parent(document: Any, path: tuple) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[str, str]:
    """(persona name, file text) with one to three structural mutations."""
    name = draw(st.sampled_from(sorted(SHIPPED)))
    document = yaml.safe_load(SHIPPED[name])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(list(_paths(document))))
        parent = _parent(document, path)
        operation = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if operation == "replace":
            parent[path[-1]] = draw(HOSTILE)
        elif operation == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(HOSTILE)
        else:
            parent.append(copy.deepcopy(parent[path[-1]]))
        if not isinstance(document, dict) or not list(_paths(document)):
            break
    return name, yaml.safe_dump(document, allow_unicode=True)


@st.composite
def mangled_text(draw: st.DrawFn) -> tuple[str, bytes]:
    """(persona name, file bytes): a shipped file truncated, or with bytes spliced in."""
    name = draw(st.sampled_from(sorted(SHIPPED)))
    data = SHIPPED[name].encode()
    cut = draw(st.integers(min_value=0, max_value=len(data)))
    if draw(st.booleans()):
        return name, data[:cut]
    return name, data[:cut] + draw(st.binary(min_size=1, max_size=16)) + data[cut:]


def _accepted_or_refused(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_bytes(content)
        try:
            persona = load_persona(path)
        except PersonaError as error:
            assert str(path) in str(error), str(error)
            return
        scale = min(1.0, GENERATED_USERS / persona.users)
        ctx = Context(persona, scale=scale)
        try:
            ctx.window  # noqa: B018
        except PersonaError as error:  # a fixed range that begins after today
            assert f"persona {persona.name!r}: date_range starts on" in str(error)
            return
        frames = generate_all(ctx)
        assert len(frames["users"]) >= 1


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@FUZZ
@given(mutated_documents())
def test_mutated_persona_is_refused_by_file_or_generates(case):
    name, text = case
    _accepted_or_refused(name, text.encode())


@FUZZ
@given(mangled_text())
def test_mangled_persona_text_is_refused_by_file_or_generates(case):
    name, content = case
    _accepted_or_refused(name, content)
