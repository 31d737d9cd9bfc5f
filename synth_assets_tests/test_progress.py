"""The run's progress line: shards done of shards in all, rows a second, the time left."""

from __future__ import annotations

from synth_assets.progress import Progress


def test_the_time_left_is_the_pace_so_far_over_the_shards_still_to_do():
    halfway = Progress(done=10, total=40, rows=2_500_000, seconds=120.0)
    assert halfway.rows_per_second() == 2_500_000 / 120
    assert halfway.seconds_left() == 360.0
    assert halfway.line() == (
        "progress: 10 of 40 shards done, 2,500,000 rows in 2m00s (20,833 rows/s); about 6m00s left"
    )


def test_a_long_run_reads_in_hours_and_the_last_shard_says_so():
    long = Progress(done=1, total=400, rows=300_000, seconds=30.0)
    assert long.line().endswith("about 3h19m left")
    assert Progress(400, 400, 1_000, 3.0).line().endswith("all shards done")


def test_nothing_timed_yet_divides_by_nothing():
    assert Progress(done=0, total=3, rows=0, seconds=0.0).seconds_left() == 0.0
    assert Progress(done=1, total=3, rows=10, seconds=0.0).rows_per_second() == 0.0


def test_a_re_execution_counts_its_parents_shards_done_and_its_own_pace():
    """Two of four shards finished in the run it re-executes; this run did one in 30 s."""
    again = Progress(done=3, total=4, rows=250_000, seconds=30.0, done_here=1)
    assert again.line().startswith("progress: 3 of 4 shards done, 250,000 rows in 30s")
    assert again.seconds_left() == 30.0
