"""Background analyses: the job table (``analysis_jobs``), its worker and who may see a job.

A page or the API queues a job (:func:`queue_job`); a worker claims it (:func:`claim_next`),
runs :func:`rtdelay.analysis.analyze` on the registry cohort or on the uploaded file, writes the
outputs into the job's private folder and marks it ``done`` or ``failed`` (one-line error for
the user; the server log gets the job id, the exception type and the code location, never the
message, which may quote a patient id).

Claiming is safe with several workers (threads or processes, SQLite or PostgreSQL): the worker
reads the oldest queued id and moves it with ``UPDATE analysis_jobs SET status='running' ...
WHERE id = :id AND status = 'queued'``; only the worker whose UPDATE changed one row owns the
job, the others try the next one.

Scope: a job records the ids of the sites whose data it holds (the site analysed, every site
the user could see, or the uploader's sites for a file). A user sees the job only when they see
every one of those sites; a job with no site (an administrator without sites uploading a file)
is seen by administrators only. Anyone else gets *not found*.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
import secrets
import shutil
import threading
import time
import traceback
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rtdelay.registry import Actor, AnalysisJob, NotFoundError, Registry, User, actor_for

__all__ = ["JOB_OPTIONS", "JobError", "queue_job", "claim_next", "run_job", "run_pending",
           "visible_job", "visible_jobs", "job_scope", "jobs_root", "JobWorker", "fail_stale",
           "app_jobs_root", "app_lifespan"]

log = logging.getLogger("rtdelay.web.jobs")

JOB_OPTIONS = {"beyond": bool, "date_order": str}
"""Analysis options a job accepts (anything else is refused)."""

_STEPS = ("Reading", "Running", "Writing", "Drawing", "Rendering")


class JobError(ValueError):
    """A job request that cannot be queued (bad option, unknown site): a one-line message."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def jobs_root(registry: Registry, configured: str | None = None) -> Path:
    """The private folder of job outputs and uploads (mode 0700).

    ``configured`` (``WebSettings.jobs_dir``) wins; else ``rtdelay-jobs`` beside a SQLite
    registry file; else ``~/.rtdelay/jobs``. Never under the app's static folder.
    """
    if configured:
        root = Path(configured)
    else:
        database = registry.engine.url.database if registry.dialect == "sqlite" else None
        if database and database != ":memory:":
            root = Path(database).resolve().parent / "rtdelay-jobs"
        else:
            root = Path.home() / ".rtdelay" / "jobs"
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    return root


def _check_options(options: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in options.items():
        kind = JOB_OPTIONS.get(key)
        if kind is None:
            raise JobError(f"unknown analysis option {key!r} (allowed: {', '.join(JOB_OPTIONS)})")
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise JobError(f"analysis option {key} must be a whole number; got {value!r}")
        if not isinstance(value, kind):
            raise JobError(f"analysis option {key} must be a {kind.__name__}; got {value!r}")
        clean[key] = value
    if clean.get("date_order") not in (None, "dmy", "mdy", "ymd"):
        raise JobError("analysis option date_order must be dmy, mdy or ymd")
    return clean


def _scope_text(site_ids: Iterable[int]) -> str:
    ids = sorted(set(site_ids))
    return "," + ",".join(str(i) for i in ids) + "," if ids else ""


def job_scope(job: AnalysisJob) -> frozenset[int]:
    """The ids of the sites whose data the job holds."""
    return frozenset(int(part) for part in job.site_ids.split(",") if part)


def _sees(actor: Actor, job: AnalysisJob) -> bool:
    if actor.site_ids is None:
        return True
    scope = job_scope(job)
    return bool(scope) and scope <= actor.site_ids


def queue_job(session: Session, user: User, *, source: str, site: str | None = None,
              input_path: Path | None = None, input_name: str | None = None,
              options: dict[str, Any] | None = None) -> AnalysisJob:
    """Add a queued job for ``user`` (who must hold ``analyze``); return it (flushed).

    ``source="registry"``: the cohort of ``site`` (a code the user sees) or of every site the
    user sees. ``source="upload"``: the file at ``input_path`` (already saved privately; deleted
    when the job ends), scoped to the uploader's sites.
    """
    from rtdelay.registry import require, resolve_site, visible_site_ids

    actor = actor_for(session, user)
    require(actor, "analyze")
    clean = _check_options(dict(options or {}))
    if input_name:
        clean["input_name"] = input_name[:200]
    if source == "registry":
        if site:
            scope = [resolve_site(session, actor, site).id]
        else:
            scope = visible_site_ids(session, actor)
            if not scope:
                raise JobError("you see no site of the registry: nothing to analyse")
    elif source == "upload":
        if input_path is None:
            raise JobError("an uploaded analysis needs its file")
        scope = sorted(actor.site_ids or ())
        site = None
    else:
        raise JobError(f"source must be registry or upload; got {source!r}")
    job = AnalysisJob(public_id=secrets.token_urlsafe(12), user_id=user.id,
                      site_ids=_scope_text(scope), source=source, site_code=site,
                      options=json.dumps(clean, sort_keys=True), status="queued",
                      progress_text="Waiting for a worker", progress_percent=0,
                      input_path=str(input_path) if input_path is not None else None,
                      created_at=_now())
    session.add(job)
    session.flush()
    log.info("analysis job %s queued (source %s)", job.public_id, source)
    return job


def visible_job(session: Session, actor: Actor, public_id: str) -> AnalysisJob:
    """The job ``public_id`` if the actor sees it, else :class:`NotFoundError`."""
    job = session.scalar(select(AnalysisJob).where(AnalysisJob.public_id == public_id[:32]))
    if job is None or not actor.can("read") or not _sees(actor, job):
        raise NotFoundError("no such analysis")
    return job


def visible_jobs(session: Session, actor: Actor, *, limit: int = 50) -> list[AnalysisJob]:
    """The latest jobs the actor sees, newest first."""
    jobs = session.scalars(select(AnalysisJob).order_by(AnalysisJob.id.desc()).limit(limit * 4))
    return [j for j in jobs if _sees(actor, j)][:limit]


def claim_next(registry: Registry, worker: str) -> int | None:
    """Move the oldest queued job to ``running`` for ``worker``; its id, or None when none."""
    with registry.session(actor=worker, write=True) as session:
        candidates = list(session.scalars(select(AnalysisJob.id).where(
            AnalysisJob.status == "queued").order_by(AnalysisJob.id).limit(5)))
        for job_id in candidates:
            result = session.execute(update(AnalysisJob).where(
                (AnalysisJob.id == job_id) & (AnalysisJob.status == "queued")).values(
                status="running", worker=worker[:64], started_at=_now(),
                progress_text="Starting", progress_percent=1))
            if int(result.rowcount or 0) == 1:  # type: ignore[attr-defined]
                return job_id
    return None


def _set(registry: Registry, job_id: int, **values: Any) -> None:
    with registry.session(actor="worker", write=True) as session:
        session.execute(update(AnalysisJob).where(AnalysisJob.id == job_id).values(**values))


def _progress(registry: Registry, job_id: int) -> Any:
    count = [0]

    def step(message: str) -> None:
        count[0] += 1
        percent = min(95, 5 + 12 * count[0])
        _set(registry, job_id, progress_text=message[:200], progress_percent=percent)

    return step


def _user_message(exc: BaseException, job: AnalysisJob) -> str:
    from rtdelay.errors import RtdelayError
    from rtdelay.registry import RegistryError

    if isinstance(exc, (RtdelayError, RegistryError, JobError)):
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if job.input_path:
            text = text.replace(str(Path(job.input_path).parent) + os.sep, "")
        if job.output_dir:
            text = text.replace(job.output_dir + os.sep, "")
        return text[:500]
    return f"the analysis failed unexpectedly (internal error; reference {job.public_id})"


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-6:]))


def _registry_input(registry: Registry, job: AnalysisJob, out: Path) -> tuple[Path, Path | None]:
    from rtdelay.cohort import write_table
    from rtdelay.registry import export_registry

    with registry.session(actor="worker", write=True) as session:
        user = session.get(User, job.user_id)
        if user is None or not user.active:
            raise JobError("the user who asked for this analysis is no longer active")
        actor = actor_for(session, user).restricted_to(job_scope(job))
        session.info["actor"] = actor.name
        export = export_registry(session, actor, site=job.site_code, purpose="analyze")
    cohort, comps = export.cohort, export.complications
    if len(export.sites) > 1:  # patient ids are unique per site only
        cohort = cohort.assign(patient_id=cohort["site"] + ":" + cohort["patient_id"].astype(str))
        comps = comps.assign(patient_id=comps["site"] + ":" + comps["patient_id"].astype(str))
    if len(cohort) == 0:
        raise JobError("no patient in the registry for this analysis")
    cohort_path = write_table(cohort.drop(columns=["site"]), out / "registry_cohort.csv")
    comp_path = None
    if len(comps):
        comp_path = write_table(comps.drop(columns=["site"]), out / "registry_complications.csv")
    return cohort_path, comp_path


def run_job(registry: Registry, job_id: int, root: Path) -> str:
    """Run one claimed job to its end; return its final status (``done`` or ``failed``)."""
    from rtdelay.analysis import AnalysisOptions, analyze

    with registry.session() as session:
        job = session.get(AnalysisJob, job_id)
        assert job is not None
        session.expunge(job)
    out = root / job.public_id
    try:
        out.mkdir(parents=True, exist_ok=True)
        os.chmod(out, 0o700)
        _set(registry, job_id, output_dir=str(out))
        job.output_dir = str(out)
        opts = json.loads(job.options or "{}")
        date_order = opts.pop("date_order", None)
        opts.pop("input_name", None)
        options = AnalysisOptions(**opts)
        step = _progress(registry, job_id)
        if job.source == "registry":
            step("Reading the registry cohort")
            cohort, comps = _registry_input(registry, job, out)
        else:
            cohort, comps = Path(job.input_path or ""), None
        analyze(cohort, complications=comps, out_dir=out, options=options, progress=step,
                date_order=date_order)
        _set(registry, job_id, status="done", progress_text="Done", progress_percent=100,
             finished_at=_now())
        log.info("analysis job %s done", job.public_id)
        return "done"
    except Exception as exc:  # noqa: BLE001 - every failure ends the job, never the worker
        message = _user_message(exc, job)
        log.warning("analysis job %s failed: %s at %s", job.public_id, type(exc).__name__,
                    _where(exc))
        _set(registry, job_id, status="failed", error=message, progress_text="Failed",
             finished_at=_now())
        return "failed"
    finally:
        if job.input_path:
            shutil.rmtree(Path(job.input_path).parent, ignore_errors=True)
            _set(registry, job_id, input_path=None)


def fail_stale(registry: Registry, *, older_than_s: float) -> int:
    """Mark ``running`` jobs started more than ``older_than_s`` ago as failed (their worker
    died: server stopped or killed mid-run); return how many."""
    limit = _now() - dt.timedelta(seconds=older_than_s)
    with registry.session(actor="worker", write=True) as session:
        result = session.execute(update(AnalysisJob).where(
            (AnalysisJob.status == "running") & (AnalysisJob.started_at < limit)).values(
            status="failed", progress_text="Failed", finished_at=_now(),
            error="the analysis was interrupted (the server stopped while it ran); run it again"))
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        log.warning("%d interrupted analysis job(s) marked failed", count)
    return count


def run_pending(registry: Registry, root: Path, *, worker: str = "sync", limit: int = 100) -> int:
    """Run queued jobs one after another in this thread (tests, ``rtdelay worker --once``)."""
    done = 0
    while done < limit:
        job_id = claim_next(registry, worker)
        if job_id is None:
            break
        run_job(registry, job_id, root)
        done += 1
    return done


class JobWorker:
    """A daemon thread that polls the job table every ``interval`` seconds."""

    def __init__(self, registry: Registry, root: Path, *, interval: float = 1.0,
                 stale_after_s: float = 6 * 3600) -> None:
        self.registry, self.root, self.interval = registry, root, interval
        self.stale_after_s = stale_after_s
        self.name = f"worker-{os.getpid()}-{secrets.token_hex(3)}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rtdelay-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        from rtdelay.web._warmup import warm_up

        try:
            warm_up()  # before the first job: the first analysis need not wait for imports
        except Exception as exc:  # noqa: BLE001 - a failed warm-up leaves it to the first job
            log.warning("job worker warm-up: %s at %s", type(exc).__name__, _where(exc))
        last_check = -math.inf
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_check > 60:
                    last_check = time.monotonic()
                    fail_stale(self.registry, older_than_s=self.stale_after_s)
                ran = run_pending(self.registry, self.root, worker=self.name, limit=1)
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not kill the thread
                log.warning("job worker: %s at %s", type(exc).__name__, _where(exc))
                ran = 0
            if not ran:
                self._stop.wait(self.interval)


def app_jobs_root(app: Any) -> Path:
    """The jobs folder of an app (:func:`jobs_root`, resolved once)."""
    root: Path | None = getattr(app.state, "jobs_root", None)
    if root is None:
        root = jobs_root(app.state.registry, app.state.settings.jobs_dir)
        app.state.jobs_root = root
    return root


@contextlib.asynccontextmanager
async def app_lifespan(app: Any) -> AsyncIterator[None]:
    """Start the worker thread with the app (unless ``settings.run_worker`` is off)."""
    worker = None
    if app.state.settings.run_worker:
        worker = JobWorker(app.state.registry, app_jobs_root(app),
                           stale_after_s=app.state.settings.job_stale_after_s)
        worker.start()
    app.state.worker = worker
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()
