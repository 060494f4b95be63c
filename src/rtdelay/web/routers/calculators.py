"""Calculators (any signed-in user): SINS, Tomita, revised Tokuhashi, ESCC with their
breakdown, and the risk of progression by wait for a patient profile.

The forms are GET forms (nothing changes on the server). The risk model is
:func:`rtdelay.planning.fit_progression_model` fitted on the registry cohort of the user's
sites when it has at least ``WebSettings.min_registry_patients`` eligible patients, else on the
synthetic demo cohort; the page says which. Fitted models are cached per site scope and
registry state. The curve is a png or svg served by the app (no script).
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rtdelay.registry import Actor, patients_query
from rtdelay.web._deps import Current, allowed, db, settings

router = APIRouter()
PERMISSIONS: dict[tuple[str, str], str | None] = {
    ("GET", "/calculators"): "read",
    ("GET", "/calculators/risk"): "read",
    ("GET", "/calculators/risk.svg"): "read",
    ("GET", "/calculators/risk.png"): "read",
}

_LOCK = threading.Lock()
_DEMO_LABEL = "the synthetic demo cohort"


def _render(request: Request, name: str, user: Current, status: int = 200,
            **context: Any) -> Response:
    context.update(user=user.actor, csrf_token=user.web.csrf_token)
    return request.app.state.templates.TemplateResponse(request, name, context,
                                                        status_code=status)


def _forms() -> dict[str, dict[str, list[str]]]:
    from rtdelay.scores import ESCC_GRADES, SINS_POINTS, TOKUHASHI_POINTS, TOMITA_POINTS

    return {
        "sins": {k: list(v) for k, v in SINS_POINTS.items()},
        "tomita": {k: list(v) for k, v in TOMITA_POINTS.items()},
        "tokuhashi": {k: list(v) for k, v in TOKUHASHI_POINTS.items()},
        "escc": {"grade": list(ESCC_GRADES)},
    }


def compute_score(score: str, values: dict[str, str]) -> dict[str, Any]:
    """One score from its components (words): the result's ``to_dict`` plus a breakdown."""
    from rtdelay.errors import InputError
    from rtdelay.scores import escc, sins, tokuhashi, tomita

    forms = _forms()
    if score not in forms:
        raise InputError(f"score must be one of {', '.join(forms)}; got {score!r}")
    missing = [k for k in forms[score] if not values.get(k)]
    if missing:
        raise InputError(f"give every component of {score}: {', '.join(missing)} missing")
    args = {k: values[k] for k in forms[score]}
    if score == "escc":
        result = escc(args["grade"])
        return {"name": "escc", "total": result.grade, "category": result.category,
                "note": f"{result.meaning}. {result.note}".strip(), "rows": []}
    calc: Any = {"sins": sins, "tomita": tomita, "tokuhashi": tokuhashi}[score]
    out: dict[str, Any] = calc(**args).to_dict()
    out["rows"] = [(k, out["levels"][k], out["points"][k]) for k in out["points"]]
    return out


@router.get("/calculators")
def calculators(request: Request, user: Current = Depends(allowed("read"))) -> Response:
    from rtdelay.errors import InputError

    params = dict(request.query_params)
    score = params.pop("score", "")
    result, error = None, None
    if score:
        try:
            result = compute_score(score, {k: v[:64] for k, v in params.items()})
        except InputError as exc:
            error = str(exc)
    return _render(request, "calculators.html", user, 400 if error else 200, forms=_forms(),
                   score=score, chosen=params, result=result, error=error)


def _registry_included(session: Session, actor: Actor) -> Any:
    """Eligible patients (derived) of the actor's sites, through the cohort layer."""
    import tempfile
    from pathlib import Path

    from rtdelay.cohort import read_cohort, write_table
    from rtdelay.registry import registry_cohort

    reader = Actor(actor.name, "analyst", actor.site_ids)  # the data the user already reads
    frame = registry_cohort(session, reader)
    if len(frame) == 0:
        return None
    if frame["site"].nunique() > 1:
        frame = frame.assign(patient_id=frame["site"] + ":" + frame["patient_id"].astype(str))
    with tempfile.TemporaryDirectory() as tmp:
        path = write_table(frame.drop(columns=["site"]), Path(tmp) / "cohort.csv")
        return read_cohort(path).eligibility.included


def risk_model(request: Request, session: Session, actor: Actor) -> tuple[Any, str, bool]:
    """(fitted model, which cohort, synthetic?) for the actor: registry when enough data."""
    from rtdelay.planning import fit_progression_model

    cache: dict[Any, Any] = request.app.state.__dict__.setdefault("risk_models", {})
    sub = patients_query(actor).subquery()
    count, changed = session.execute(select(func.count(), func.max(sub.c.updated_at))).one()
    minimum = settings(request).min_registry_patients
    key = ("registry", actor.site_ids, count, changed)
    with _LOCK:
        if len(cache) > 32:
            cache.clear()
        if count >= minimum and key not in cache:
            try:
                included = _registry_included(session, actor)
                if included is not None and len(included) >= minimum:
                    cache[key] = (fit_progression_model(included),
                                  f"the registry ({len(included)} eligible patients of your "
                                  "sites)", False)
                else:
                    cache[key] = None
            except (ValueError, ArithmeticError):
                cache[key] = None
        if count >= minimum and cache.get(key) is not None:
            return tuple(cache[key])  # type: ignore[return-value]
        if "demo" not in cache:
            from rtdelay.cohort import read_cohort
            from rtdelay.demo import demo_cohort_path

            included = read_cohort(demo_cohort_path()).eligibility.included
            cache["demo"] = (fit_progression_model(included), _DEMO_LABEL, True)
        return tuple(cache["demo"])  # type: ignore[return-value]


def _weeks(text: str) -> list[float]:
    from rtdelay.errors import InputError

    try:
        weeks = [float(w) for w in text.replace(";", ",").split(",") if w.strip()]
    except ValueError:
        raise InputError(f"waits must be numbers of weeks separated by commas; got {text!r}") \
            from None
    if not weeks or len(weeks) > 52 or any(not 0 < w <= 520 for w in weeks):
        raise InputError("give 1 to 52 waits, each between 0 and 520 weeks, e.g. 4, 8, 12")
    return weeks


def predict(request: Request, session: Session, actor: Actor, params: dict[str, str],
            *, curve: bool = False) -> dict[str, Any]:
    """The prediction of the risk page (or the curve's points with ``curve``)."""
    import numpy as np

    from rtdelay.planning import describe_profile, predict_wait_risk, profile_from_patient

    profile = profile_from_patient(histology=params.get("histology", "")[:64],
                                   surgery=params.get("surgery") or None,
                                   escc=params.get("escc") or None)
    model, source, synthetic = risk_model(request, session, actor)
    weeks = [1.0] if curve else _weeks(params.get("weeks") or "4, 8, 12")
    pred = predict_wait_risk(model, profile, weeks)
    if curve:
        top = max(2, int(pred.search_weeks))
        pred = predict_wait_risk(model, profile, list(np.linspace(0.5, top, 80)))
    rows = [(float(w), float(r), float(lo), float(hi)) for w, r, lo, hi in
            zip(pred.wait_weeks, pred.risk, pred.lower, pred.upper, strict=True)]
    return {"rows": rows, "source": source, "synthetic": synthetic,
            "profile": describe_profile(pred.profile) or "no covariates",
            "warnings": list(pred.warnings), "notes": list(model.notes),
            "assumed": describe_profile({k: pred.profile[k] for k in pred.assumed}),
            "ignored": describe_profile(pred.ignored), "n": model.n,
            "n_progressed": model.n_progressed}


@router.get("/calculators/risk")
def risk(request: Request, user: Current = Depends(allowed("read")),
         session: Session = Depends(db)) -> Response:
    from urllib.parse import urlencode

    from rtdelay.cohort import HISTOLOGIES, SURGERY_TYPES
    from rtdelay.errors import RtdelayError
    from rtdelay.scores import ESCC_GRADES

    params = {k: v[:200] for k, v in request.query_params.items()
              if k in ("histology", "surgery", "escc", "weeks")}
    result, error = None, None
    if params.get("histology"):
        try:
            result = predict(request, session, user.actor, params)
        except (ValueError, RtdelayError) as exc:
            error = str(exc)
    return _render(request, "risk.html", user, 400 if error else 200, params=params,
                   result=result, error=error, query=urlencode(params),
                   histologies=HISTOLOGIES, surgeries=SURGERY_TYPES, grades=ESCC_GRADES)


def _figure(request: Request, user: Current, session: Session, fmt: str) -> Response:
    from rtdelay.errors import RtdelayError
    from rtdelay.report import risk_curve_bytes

    params = {k: v[:200] for k, v in request.query_params.items()}
    try:
        result = predict(request, session, user.actor, params, curve=True)
    except (ValueError, RtdelayError) as exc:
        return Response(str(exc), status_code=400, media_type="text/plain; charset=utf-8")
    weeks, risk_, lower, upper = zip(*result["rows"], strict=True)
    note = f"Model fitted on {result['source']}" + (
        " (synthetic: not real patients)" if result["synthetic"] else "")
    body = risk_curve_bytes(weeks, risk_, lower, upper, fmt=fmt, title=result["profile"],
                            note=note)
    media = "image/svg+xml" if fmt == "svg" else "image/png"
    return Response(body, media_type=media, headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"})


@router.get("/calculators/risk.svg")
def risk_svg(request: Request, user: Current = Depends(allowed("read")),
             session: Session = Depends(db)) -> Response:
    return _figure(request, user, session, "svg")


@router.get("/calculators/risk.png")
def risk_png(request: Request, user: Current = Depends(allowed("read")),
             session: Session = Depends(db)) -> Response:
    return _figure(request, user, session, "png")
