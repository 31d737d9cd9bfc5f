"""Generators: deterministic per seed, isolated per persona, referentially intact by construction."""

import pandas as pd
import pytest

from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.generate.seeding import stable_uuids
from synth_assets.generate.users import persona_tag
from synth_assets.load import schema
from synth_assets_tests.support.runs import AS_OF


def test_same_seed_gives_identical_frames(personas, frames):
    again = generate_all(Context(personas["family"], seed=42, as_of=AS_OF))
    for table, frame in frames["family"].items():
        pd.testing.assert_frame_equal(frame, again[table], obj=table)


def test_other_seed_gives_other_data(personas, frames):
    other = generate_all(Context(personas["family"], seed=7, as_of=AS_OF))
    assert not set(other["users"]["id"]) & set(frames["family"]["users"]["id"])
    assert not other["transactions"]["amount"].equals(frames["family"]["transactions"]["amount"])


def test_persona_streams_are_independent(personas, frames):
    """Two personas never share ids, and a persona's data ignores every other persona's file."""
    ids = [set(f["users"]["id"]) for f in frames.values()]
    assert sum(map(len, ids)) == len(set().union(*ids))
    changed = personas["student"].model_copy(update={"users": 7})
    assert len(generate_all(Context(changed))["users"]) == 7
    family_again = generate_all(Context(personas["family"], as_of=AS_OF))
    pd.testing.assert_frame_equal(family_again["transactions"], frames["family"]["transactions"])


def test_ids_are_stable_as_scale_grows(personas):
    small = generate_all(Context(personas["retiree"], scale=1.0))["users"]["id"]
    large = generate_all(Context(personas["retiree"], scale=2.0))["users"]["id"]
    assert list(large[: len(small)]) == list(small)


def test_uuids_are_well_formed_and_unique():
    ids = stable_uuids(1, "p", "t", 50_000)
    assert len(set(ids)) == len(ids)
    import uuid

    parsed = [uuid.UUID(value) for value in ids[:1000]]
    assert all(u.version == 4 and str(u) == s for u, s in zip(parsed, ids[:1000], strict=True))


def test_scale_multiplies_users(personas):
    persona = personas["student"]
    assert len(generate_all(Context(persona, scale=3.0))["users"]) == persona.users * 3


@pytest.mark.parametrize("table", schema.TABLE_NAMES)
def test_frames_have_exactly_the_schema_columns(frames, table):
    for persona_frames in frames.values():
        assert list(persona_frames[table].columns) == schema.columns(table)


def test_referential_integrity_holds_by_construction(frames):
    """An oracle independent of synth_assets.checks: plain set algebra over the frames."""
    for name, f in frames.items():
        users, accounts, tx = (
            set(f["users"]["id"]),
            set(f["accounts"]["account_id"]),
            f["transactions"],
        )
        assert set(f["accounts"]["user_id"]) <= users, name
        assert set(tx["account_id"]) <= accounts, name
        assert set(f["liabilities"]["account_id"]) <= accounts, name
        assert set(f["content"]["user_id"]) <= users, name
        assert set(f["jobs"]["user_id"]) <= users, name
        assert set(f["jobs"]["content_id"].dropna()) == set(f["content"]["id"]), name
        completed = f["jobs"][f["jobs"]["status"] == "completed"]
        assert completed["content_id"].is_unique and completed["content_id"].notna().all(), name
        merged = f["content"].merge(
            completed, left_on="id", right_on="content_id", suffixes=("", "_job")
        )
        assert (merged["prompt"] == merged["prompt_job"]).all(), name
        assert (merged["completed_at"] < merged["created_at"]).all(), name
        for table, key in [
            ("users", "id"),
            ("accounts", "account_id"),
            ("transactions", "transaction_id"),
            ("liabilities", "account_id"),
            ("content", "id"),
            ("jobs", "id"),
        ]:
            assert f[table][key].is_unique, (name, table)


def test_usernames_and_emails_unique_across_personas(frames):
    usernames = pd.concat([f["users"]["username"] for f in frames.values()])
    emails = pd.concat([f["users"]["email"] for f in frames.values()])
    assert usernames.is_unique and emails.is_unique
    tags = [persona_tag(name) for name in frames]
    assert len(set(tags)) == len(tags)


def test_fixed_admin_gets_exactly_the_configured_content(frames, personas):
    admin = personas["young_professional"].fixed_users[0]
    content = frames["young_professional"]["content"]
    mine = content[content["user_id"] == str(admin.id)]
    assert mine["kind"].value_counts().to_dict() == {
        "regular": admin.content_per_kind,
        "auto": admin.content_per_kind,
    }


def test_children_never_predate_parents(frames):
    for name, f in frames.items():
        signup = f["users"].set_index("id")["created_at"]
        accounts = f["accounts"]
        assert (
            accounts["created_at"].to_numpy() >= signup.loc[accounts["user_id"]].to_numpy()
        ).all(), name
        opened = accounts.set_index("account_id")["created_at"]
        tx = f["transactions"]
        assert (tx["datetime"].to_numpy() >= opened.loc[tx["account_id"]].to_numpy()).all(), name
        content = f["content"]
        assert (
            content["created_at"].to_numpy() > signup.loc[content["user_id"]].to_numpy()
        ).all(), name
