"""The ``jobs`` table: the generation jobs behind content. Every content item has exactly one
``completed`` job with the same prompt that finished before the item was created; extra jobs
(failed, cancelled, running, pending) bring the status mix to the persona's configuration.
Jobs keep their ids and dates at every as-of date, except those still in flight: they were
submitted in the as-of date's last hour."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_assets.generate.common import SECONDS_PER_DAY, Context, choice_by_weight
from synth_assets.generate.content import SPAN_DAYS, render_prompts
from synth_assets.personas import JobStatus

TABLE = "jobs"
ERRORS = np.array(
    [
        "CUDA out of memory while allocating the latent tensor",
        "Prompt rejected by the safety filter",
        "Worker lost heartbeat after 300 s",
        "Model checkpoint failed to load: checksum mismatch",
        "Upstream storage returned 503 while saving the image",
    ]
)
QUEUE_SECONDS = (2, 120)
RUN_SECONDS = (8, 90)


def generate_jobs(ctx: Context, users: pd.DataFrame, content: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng(TABLE)
    completed = _completed_jobs(rng, content)
    extra = _extra_jobs(ctx, rng, users, len(content))
    # Nullable text as pandas' string dtype (None -> NA), like every other text column.
    frame = pd.concat([completed, extra], ignore_index=True).astype(
        {"content_id": "str", "error_message": "str"}
    )
    frame.insert(0, "id", ctx.ids(TABLE, len(frame)))
    frame.insert(3, "persona", ctx.persona.name)
    return frame


def _completed_jobs(rng: np.random.Generator, content: pd.DataFrame) -> pd.DataFrame:
    n = len(content)
    done = content["created_at"].to_numpy().astype("datetime64[s]") - rng.integers(1, 60, n).astype(
        "timedelta64[s]"
    )
    started = done - rng.integers(*RUN_SECONDS, n).astype("timedelta64[s]")
    return pd.DataFrame(
        {
            "content_id": content["id"].to_numpy(),
            "user_id": content["user_id"].to_numpy(),
            "status": JobStatus.COMPLETED.value,
            "prompt": content["prompt"].to_numpy(),
            "created_at": started - rng.integers(*QUEUE_SECONDS, n).astype("timedelta64[s]"),
            "started_at": started,
            "completed_at": done,
            "error_message": None,
        }
    )


def _extra_jobs(
    ctx: Context, rng: np.random.Generator, users: pd.DataFrame, n_content: int
) -> pd.DataFrame:
    mix = {status.value: share for status, share in ctx.persona.jobs.status_mix.items()}
    completed_share = mix.pop(JobStatus.COMPLETED.value)
    others = sum(mix.values())
    n = round(n_content * others / completed_share) if others else 0
    status = choice_by_weight(rng, mix, n) if n else np.array([], dtype=str)
    owner = rng.integers(0, len(users), n)
    signup = users["created_at"].to_numpy()[owner].astype("datetime64[s]")
    span = (rng.random(n) * SPAN_DAYS * SECONDS_PER_DAY).astype("timedelta64[s]")
    created = signup + np.timedelta64(SECONDS_PER_DAY, "s") + span
    live = np.isin(status, [JobStatus.RUNNING.value, JobStatus.PENDING.value])
    # Jobs still queued or running were submitted in the as-of date's last hour.
    end = ctx.window.last_second
    recent = np.maximum(end - rng.integers(600, 3600, n).astype("timedelta64[s]"), signup + 1)
    created = np.where(live, recent, created)
    started = created + rng.integers(*QUEUE_SECONDS, n).astype("timedelta64[s]")
    ended = started + rng.integers(*RUN_SECONDS, n).astype("timedelta64[s]")
    nat = np.datetime64("NaT", "s")
    has_started = status != JobStatus.PENDING.value
    has_ended = np.isin(status, [JobStatus.FAILED.value, JobStatus.CANCELLED.value])
    spec = ctx.persona.content
    domains = np.array(spec.domains)[rng.integers(0, len(spec.domains), n)]
    return pd.DataFrame(
        {
            "content_id": None,
            "user_id": users["id"].to_numpy()[owner],
            "status": status,
            "prompt": render_prompts(rng, domains, spec.general_phrases, spec.domain_phrases),
            "created_at": created,
            "started_at": np.where(has_started, started, nat),
            "completed_at": np.where(has_ended, ended, nat),
            "error_message": np.where(
                status == JobStatus.FAILED.value, ERRORS[rng.integers(0, len(ERRORS), n)], None
            ),
        }
    )
