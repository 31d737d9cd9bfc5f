"""The dry-run plan: exact counts per persona and table, clear errors, nothing written."""

from synth_assets import plan
from synth_assets.checks import registry
from synth_assets.checks.integrity import Finding
from synth_assets.load import schema
from synth_assets_tests.support.runs import AS_OF


def test_plan_counts_equal_what_generation_produces(frames):
    counts = plan.counts(plan.plan(seed=42, scale=1.0, names=["student", "family"], as_of=AS_OF))
    assert list(counts.index) == ["family", "student"]
    for persona in counts.index:
        for table in schema.TABLE_NAMES:
            assert counts.loc[persona, table] == len(frames[persona][table])


def test_plan_cli_prints_totals_and_rejects_unknown_personas(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert plan.main(["--persona", "retiree", "--scale", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "retiree" in out and "TOTAL" in out and "nothing written" in out
    assert list(tmp_path.iterdir()) == []
    assert plan.main(["--persona", "nobody"]) == 2
    assert "unknown personas ['nobody']" in capsys.readouterr().err


def test_dry_run_judges_every_rule_and_exits_non_zero_on_a_blocking_failure(
    personas, capsys, monkeypatch
):
    dry = plan.plan(seed=42, scale=1.0, names=["retiree"], as_of=AS_OF)["retiree"]
    assert set(dry.verdicts) == {rule.key for rule in registry.RULES}
    assert dry.failed(blocking=True) == []
    broken = registry.Rule(
        "users", "integrity", True, "a rule that always fails",
        findings=lambda ctx, t: [Finding("always", len(t["users"]), 1, ["x"])],
    )  # fmt: skip
    rules = tuple(broken if r.key == broken.key else r for r in registry.RULES)
    monkeypatch.setattr(registry, "RULES", rules)
    monkeypatch.setattr(registry, "BY_KEY", {r.key: r for r in rules})
    assert plan.main(["--persona", "retiree"]) == 1
    assert "BLOCKING failed: ['users.integrity']" in capsys.readouterr().out
