"""The dry-run plan: exact counts per persona and table, clear errors, nothing written."""

from synth_assets import plan
from synth_assets.load import schema


def test_plan_counts_equal_what_generation_produces(frames):
    counts = plan.plan(seed=42, scale=1.0, names=["student", "family"])
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
