"""Settings of the web application (timeouts, lockout, cookies)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WebSettings:
    """Security settings of :func:`rtdelay.web.create_app`.

    Attributes
    ----------
    idle_timeout_s, absolute_timeout_s : float
        A session ends after this long without a request / this long after sign-in.
    max_failures, lockout_s : int, float
        After ``max_failures`` failed sign-ins of one name within ``lockout_s`` seconds, that
        name is locked out for ``lockout_s`` seconds (good password or not).
    page_size : int
        Rows per page of the patients list.
    max_upload_bytes : int
        Largest accepted upload (default 25 MB); a larger file is refused (413).
    jobs_dir : str, optional
        Private folder of analysis outputs and of uploaded files waiting for their job
        (default: ``rtdelay-jobs`` beside a SQLite registry, else ``~/.rtdelay/jobs``).
    run_worker : bool
        Run the analysis worker as a thread of the app (off in tests, which call
        ``run_pending``; off when a separate ``rtdelay worker`` process runs the jobs).
    job_stale_after_s : float
        A job still ``running`` this long after it started is marked failed (its worker died
        with the server); the worker checks every minute.
    min_registry_patients : int
        The risk calculator fits its model on the registry cohort of the user's sites when it
        has at least this many eligible patients, else on the synthetic demo cohort.
    upload_ttl_s : float
        An upload not committed or cancelled within this time is deleted.
    upload_dir : str, optional
        Private folder for uploads (default: a fresh ``tempfile.mkdtemp`` folder, mode 0700,
        outside the web root).
    quality_max_age_s : float
        The dashboard's data-quality check (every record validated again with the cohort
        rules) is reused for this long while records change, and the page says when it was
        made; 0 re-checks on every change. Each check of a few hundred records costs about a
        tenth of a second of CPU, which an edit every second would otherwise spend again and again.
    """

    idle_timeout_s: float = 30 * 60
    absolute_timeout_s: float = 12 * 3600
    max_failures: int = 5
    lockout_s: float = 15 * 60
    page_size: int = 50
    max_upload_bytes: int = 25 * 1024 * 1024
    jobs_dir: str | None = None
    run_worker: bool = True
    job_stale_after_s: float = 6 * 3600
    min_registry_patients: int = 30
    upload_ttl_s: float = 3600
    upload_dir: str | None = None
    quality_max_age_s: float = 30.0
