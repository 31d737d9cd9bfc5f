"""The Celery app a synth_assets worker runs, built where the worker starts from the variables
the executor reads (SYNTH_CELERY_BROKER, SYNTH_CELERY_BACKEND, SYNTH_CELERY_FOLDER):

    celery -A synth_assets.celery_worker worker -n worker1 --concurrency=1 \\
        --without-mingle --without-gossip

dagster-celery's ``worker start`` writes the broker's and the result backend's URLs, passwords
included, into a new file under DAGSTER_HOME at every start; this app keeps them in memory, so
no credential is written anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_execute_job_task, create_resume_job_task, create_task

from synth_assets.defs.executors import BACKEND, BROKER, FOLDER, filesystem_transport
from synth_assets.settings import SettingError


def app_args(env: Mapping[str, str] = os.environ) -> dict:
    """The app's broker, result backend (default: the broker) and transport options, as the
    executor that sends the runs' steps has them."""
    broker = env.get(BROKER, "").strip()
    if not broker:
        raise SettingError(
            f"{BROKER} is not set: a worker needs the broker the runs are sent to (the same "
            "value as where runs start)"
        )
    backend = env.get(BACKEND, "").strip() or broker
    source = filesystem_transport(env[FOLDER]) if env.get(FOLDER) else None
    executor = CeleryExecutor.for_cli(broker=broker, backend=backend, config_source=source)
    return executor.app_args()


app = make_app(app_args())
execute_plan = create_task(app)
execute_job = create_execute_job_task(app)
resume_job = create_resume_job_task(app)
