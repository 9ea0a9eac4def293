"""Scheduled ingest jobs: a TOML jobs file (:mod:`.config`), fetching its sources
(:mod:`.fetching`), one locked run of them (:mod:`.running`), what past runs say
(:mod:`.history`), alerts (:mod:`.alerts`) and the schedule served in-process
(:mod:`.schedule`).

Analysis (new SPOFs, concentration) is injected as a :class:`ChangeReporter`, because this
layer may import ``graph`` only.
"""

from graph.urls import redact_url
from ingest.jobs.alerts import ALERT_KEYS
from ingest.jobs.config import DEFAULT_HHI_THRESHOLD, JobsConfig, SourceJob, load_jobs_config
from ingest.jobs.fetching import DownloadError
from ingest.jobs.running import ChangeReporter, JobLock, default_state_dir, run_jobs
from ingest.jobs.schedule import next_fire, serve

__all__ = [
    "SourceJob",
    "JobsConfig",
    "load_jobs_config",
    "ChangeReporter",
    "DownloadError",
    "JobLock",
    "default_state_dir",
    "run_jobs",
    "serve",
    "next_fire",
    "redact_url",
    "ALERT_KEYS",
    "DEFAULT_HHI_THRESHOLD",
]
