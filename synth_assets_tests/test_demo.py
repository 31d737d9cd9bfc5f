"""The end of `make demo`'s summary: where the data is, how to query it, how to stop the
embedded server it leaves running."""

from pathlib import Path

from synth_assets.demo import where_it_is
from synth_assets.load.target import Target


def test_the_summary_says_how_to_stop_the_embedded_server_and_shows_no_password():
    where = Target("postgresql://postgres:Sup3rS3cret@127.0.0.1:5432/synth_demo")
    embedded = where_it_is(where, Path("/data/exports"), embedded=True)
    configured = where_it_is(where, Path("/data/exports"), embedded=False)
    assert any("make db-stop" in line for line in embedded)
    assert not any("make db-stop" in line for line in configured)
    assert not any("Sup3rS3cret" in line for line in embedded + configured)
    assert any(line.startswith("Files:     /data/exports/<persona>/") for line in embedded)
