"""VR upper-face completion: infer what a headset hides (brows, lid squint and widening, cheek
squint, nose) from what stays visible (mouth, jaw, cheek puff, tongue, and the eye tracker's gaze).

Blinks are neither predicted nor used: an eye tracker measures them, and they are not in the
mouth. A take that has none at all (a headset without eye tracking) gets them from the blink
layer instead.

Three plain numpy models are fitted and the one with the lowest error on held-out takes wins:

- ``gaussian``: the conditional mean of a joint Gaussian over features and hidden channels, the
  covariance shrunk toward its diagonal by the Schaefer-Strimmer formula (no tuning);
- ``ridge``: linear least squares with an L2 penalty chosen on the held-out take;
- ``mlp``: one tanh hidden layer trained with Adam, stopped early on the held-out take.

Features are the visible weights at each frame and the same weights low-passed over half a
second, since expressions outlast the mouth shapes of speech. A model file is a ``.npz`` that
holds the chosen model, the feature standardisation, the person's mean and the validation
errors of every candidate beside the zeros and person-mean baselines.
"""

from __future__ import annotations

import io
import json
import logging
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from likeness.blendshapes import INDEX, N_BLENDSHAPES, NAMES, REGIONS
from likeness.errors import InputError
from likeness.fileio import atomic_output, existing_file
from likeness.frame import Animation, FaceFrame

log = logging.getLogger(__name__)

BLINKS = (INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"])

HIDDEN: dict[str, tuple[int, ...]] = {
    "upper": tuple(
        sorted(
            REGIONS["brows"]
            + tuple(i for i in REGIONS["eyelids"] if i not in BLINKS)
            + REGIONS["nose"]
            + (INDEX["cheekSquintLeft"], INDEX["cheekSquintRight"])
        )
    ),
}
"""Channel sets a headset can hide. ``upper``: brows, eyeSquint, eyeWide, cheekSquint,
noseSneer (13 channels)."""

KINDS = ("gaussian", "ridge", "mlp")
SMOOTH_S = 0.5
FORMAT_VERSION = 1
PRIOR_PATH = Path(__file__).parent / "data" / "completion_prior.npz"


def hidden_channels(hidden: str) -> tuple[int, ...]:
    """Indices of a hidden set by name."""
    if hidden not in HIDDEN:
        raise InputError(f"unknown hidden set {hidden!r}, expected one of {', '.join(HIDDEN)}")
    return HIDDEN[hidden]


def visible_channels(hidden: Sequence[int]) -> tuple[int, ...]:
    """The model's inputs: every channel neither in ``hidden`` nor a blink."""
    return tuple(i for i in range(N_BLENDSHAPES) if i not in set(hidden) | set(BLINKS))


def features(animation: Animation, visible: Sequence[int]) -> np.ndarray:
    """(n, 2 * n_visible) features: visible weights now and low-passed over ``SMOOTH_S``.

    The low-pass is causal and follows the frame times, so :class:`Completer`, frame by frame,
    computes the same features as this whole-take version.
    """
    x = animation.weights[:, visible].astype(np.float64)
    smooth = np.empty_like(x)
    state: np.ndarray | None = None
    for i in range(len(x)):
        dt = 0.0 if i == 0 else float(animation.t_s[i] - animation.t_s[i - 1])
        state = _low_pass(state, x[i], dt)
        smooth[i] = state
    return np.hstack([x, smooth])


def _low_pass(state: np.ndarray | None, x: np.ndarray, dt_s: float) -> np.ndarray:
    """One step of the first-order low-pass over ``SMOOTH_S`` (starts at the first value)."""
    if state is None:
        return x.copy()
    return state + (1.0 - np.exp(-max(dt_s, 0.0) / SMOOTH_S)) * (x - state)


# -- models ------------------------------------------------------------------------------------


def fit_gaussian(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Conditional-Gaussian regression, covariance shrunk toward its diagonal; x, y standardised."""
    z = np.hstack([x, y])
    n = len(z)
    zc = z - z.mean(axis=0)
    cov = zc.T @ zc / n
    diag = np.diag(cov)
    # Optimal shrinkage intensity toward the diagonal (Schaefer & Strimmer 2005, target D): the
    # summed variance of the off-diagonal entries over their summed squares.
    row_sq = np.sum(zc * zc, axis=1)
    var_off = (
        np.mean(row_sq**2) - np.sum(np.mean(zc**4, axis=0)) - (np.sum(cov**2) - np.sum(diag**2))
    ) / n
    shrink = float(np.clip(var_off / max(np.sum(cov**2) - np.sum(diag**2), 1e-12), 0.0, 1.0))
    sigma = (1 - shrink) * cov + shrink * np.diag(diag)
    k = x.shape[1]
    coef = np.linalg.solve(sigma[:k, :k] + 1e-6 * np.eye(k), sigma[:k, k:])
    return {"coef": coef, "bias": y.mean(axis=0) - x.mean(axis=0) @ coef}


def fit_ridge(x: np.ndarray, y: np.ndarray, penalty: float) -> dict[str, np.ndarray]:
    """Ridge regression with an unpenalised intercept."""
    xm, ym = x.mean(axis=0), y.mean(axis=0)
    xc = x - xm
    coef = np.linalg.solve(xc.T @ xc + penalty * len(x) * np.eye(x.shape[1]), xc.T @ (y - ym))
    return {"coef": coef, "bias": ym - xm @ coef}


def fit_mlp(
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_epochs: int,
    seed: int,
    n_hidden: int = 48,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], int]:
    """One-hidden-layer tanh network, Adam, mean squared error.

    With validation data, returns the parameters of the epoch with the lowest validation error
    and that epoch's count (early stopping); else trains for ``n_epochs``.
    """
    rng = np.random.default_rng(seed)
    params = {
        "w1": rng.normal(0, 1 / np.sqrt(x.shape[1]), (x.shape[1], n_hidden)),
        "b1": np.zeros(n_hidden),
        "w2": rng.normal(0, 1 / np.sqrt(n_hidden), (n_hidden, y.shape[1])),
        "b2": y.mean(axis=0),
    }
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    best, best_epoch, best_err = {k: v.copy() for k, v in params.items()}, n_epochs, np.inf
    step, rate, batch = 0, 3e-3, 256
    for epoch in range(1, n_epochs + 1):
        for rows in np.array_split(rng.permutation(len(x)), max(1, len(x) // batch)):
            h = np.tanh(x[rows] @ params["w1"] + params["b1"])
            err = (h @ params["w2"] + params["b2"] - y[rows]) * (2.0 / len(rows))
            dh = (err @ params["w2"].T) * (1 - h * h)
            grads = {
                "w2": h.T @ err + 1e-4 * params["w2"],
                "b2": err.sum(0),
                "w1": x[rows].T @ dh + 1e-4 * params["w1"],
                "b1": dh.sum(0),
            }
            step += 1
            for k, g in grads.items():
                m, v = moments[k]
                m[:] = 0.9 * m + 0.1 * g
                v[:] = 0.999 * v + 0.001 * g * g
                params[k] -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        if x_val is not None and y_val is not None:
            val = float(np.mean((predict_raw("mlp", params, x_val) - y_val) ** 2))
            if val < best_err:
                best, best_epoch, best_err = {k: v.copy() for k, v in params.items()}, epoch, val
    return (best, best_epoch) if x_val is not None else (params, n_epochs)


def predict_raw(kind: str, params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Model output for standardised features (hidden channels in standardised units)."""
    if kind == "mlp":
        return np.tanh(x @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"]
    return x @ params["coef"] + params["bias"]


# -- training and the model file ----------------------------------------------------------------


@dataclass(frozen=True)
class Scaler:
    """Standardisation of features and targets (constant columns get scale 1)."""

    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: np.ndarray
    y_scale: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray) -> Scaler:
        def scale(a: np.ndarray) -> np.ndarray:
            s = a.std(axis=0)
            return np.where(s > 1e-6, s, 1.0)

        return cls(x.mean(axis=0), scale(x), y.mean(axis=0), scale(y))

    def x(self, x: np.ndarray) -> np.ndarray:
        return (x - self.x_mean) / self.x_scale

    def y(self, y: np.ndarray) -> np.ndarray:
        return (y - self.y_mean) / self.y_scale

    def unscale_y(self, y: np.ndarray) -> np.ndarray:
        return y * self.y_scale + self.y_mean


@dataclass
class CompletionModel:
    """A fitted completion model (see the module docstring)."""

    kind: str
    hidden: tuple[int, ...]
    params: dict[str, np.ndarray]
    scaler: Scaler
    person_mean: np.ndarray
    report: dict[str, Any]

    @property
    def visible(self) -> tuple[int, ...]:
        return visible_channels(self.hidden)

    def predict(self, animation: Animation) -> np.ndarray:
        """(n, n_hidden) hidden weights in 0..1 for ``animation``'s visible channels."""
        if not len(animation):
            return np.zeros((0, len(self.hidden)), np.float32)
        return self.predict_features(features(animation, self.visible))

    def predict_features(self, x: np.ndarray) -> np.ndarray:
        """(n, n_hidden) hidden weights in 0..1 from (n, n_features) :func:`features`."""
        y = self.scaler.unscale_y(predict_raw(self.kind, self.params, self.scaler.x(x)))
        return np.clip(y, 0.0, 1.0).astype(np.float32)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model as ``.npz`` (atomically)."""
        arrays = {f"param_{k}": v for k, v in self.params.items()}
        meta = {
            "format": "likeness.completion",
            "version": FORMAT_VERSION,
            "kind": self.kind,
            "hidden": [NAMES[i] for i in self.hidden],
            "smooth_s": SMOOTH_S,
            "report": self.report,
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            meta=np.array(json.dumps(meta)),
            x_mean=self.scaler.x_mean,
            x_scale=self.scaler.x_scale,
            y_mean=self.scaler.y_mean,
            y_scale=self.scaler.y_scale,
            person_mean=self.person_mean,
            **arrays,
        )
        with atomic_output(path, suffix=".npz") as tmp:
            tmp.write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CompletionModel:
        """Read a model written by :meth:`save`; InputError naming the file if it is not one."""
        p = existing_file(path, "completion model")
        try:
            with np.load(io.BytesIO(p.read_bytes()), allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {k: data[k] for k in data.files if k != "meta"}
            if meta.get("format") != "likeness.completion" or meta.get("version") != FORMAT_VERSION:
                raise InputError(
                    f"{p}: not a likeness completion model (format {meta.get('format')!r}, "
                    f"version {meta.get('version')!r}), expected version {FORMAT_VERSION}"
                )
            hidden = tuple(INDEX[name] for name in meta["hidden"])
            model = cls(
                meta["kind"],
                hidden,
                {k[len("param_") :]: v for k, v in arrays.items() if k.startswith("param_")},
                Scaler(arrays["x_mean"], arrays["x_scale"], arrays["y_mean"], arrays["y_scale"]),
                arrays["person_mean"],
                meta["report"],
            )
        except InputError:
            raise
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:
            raise InputError(f"{p}: not a readable completion model (.npz): {e}") from e
        if model.kind not in KINDS or model.scaler.x_mean.shape != (2 * len(model.visible),):
            raise InputError(
                f"{p}: inconsistent completion model (kind {model.kind!r}, "
                f"{model.scaler.x_mean.shape} feature means for {len(model.visible)} visible "
                "channels)"
            )
        return model


def rmse_per_channel(predicted: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """(n_channels,) root-mean-square error over frames."""
    return np.sqrt(np.mean((predicted - actual) ** 2, axis=0))


def train(
    takes: Sequence[Animation],
    *,
    hidden: str = "upper",
    kinds: Sequence[str] = KINDS,
    seed: int = 0,
    n_epochs: int = 40,
) -> CompletionModel:
    """Fit every model kind, keep the best on held-out data, refit it on all takes.

    Parameters
    ----------
    takes : sequence of Animation
        Full-face takes of one person (tracked or Live Link Face CSV). With two or more, the
        last is held out for choosing; with one, its last quarter is.
    hidden : str
        Name of the hidden channel set (:data:`HIDDEN`).
    kinds : sequence of str
        Candidates among :data:`KINDS`.
    seed : int
    n_epochs : int
        Upper bound on MLP epochs (early stopping picks fewer).

    Returns
    -------
    CompletionModel
        ``report`` holds per-channel validation RMSE of every candidate and of the zeros and
        person-mean baselines, and which kind won.
    """
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise InputError(f"model kinds must be among {', '.join(KINDS)}, got {list(kinds)}")
    takes = [t for t in takes if len(t)]
    if not takes or sum(len(t) for t in takes) < 120:
        raise InputError(
            "training needs at least 120 frames of full-face takes, "
            f"got {sum(len(t) for t in takes)}"
        )
    hidden_idx = hidden_channels(hidden)
    visible = visible_channels(hidden_idx)
    blocks = [(features(t, visible), t.weights[:, hidden_idx].astype(np.float64)) for t in takes]
    if len(blocks) >= 2:
        fit_blocks, val_blocks = blocks[:-1], blocks[-1:]
    else:
        cut = int(0.75 * len(blocks[0][0]))
        fit_blocks = [(blocks[0][0][:cut], blocks[0][1][:cut])]
        val_blocks = [(blocks[0][0][cut:], blocks[0][1][cut:])]
    x_fit, y_fit = (np.vstack(b) for b in zip(*fit_blocks, strict=True))
    x_val, y_val = (np.vstack(b) for b in zip(*val_blocks, strict=True))

    scaler = Scaler.of(x_fit, y_fit)
    xs, ys = scaler.x(x_fit), scaler.y(y_fit)
    xv, yv = scaler.x(x_val), scaler.y(y_val)
    settings: dict[str, dict[str, Any]] = {}
    scores = {}
    for kind in kinds:
        params, settings[kind] = _tune(kind, xs, ys, xv, yv, seed=seed, n_epochs=n_epochs)
        predicted = np.clip(scaler.unscale_y(predict_raw(kind, params, xv)), 0.0, 1.0)
        scores[kind] = rmse_per_channel(predicted, y_val)
    scores["zeros"] = rmse_per_channel(np.zeros_like(y_val), y_val)
    scores["person_mean"] = rmse_per_channel(
        np.broadcast_to(y_fit.mean(axis=0), y_val.shape), y_val
    )
    best = min(kinds, key=lambda k: float(np.mean(scores[k] ** 2)))
    log.info(
        "completion: %s", {k: round(float(np.sqrt(np.mean(v**2))), 4) for k, v in scores.items()}
    )

    x_all, y_all = (np.vstack(b) for b in zip(*blocks, strict=True))
    scaler = Scaler.of(x_all, y_all)
    params = _refit(best, scaler.x(x_all), scaler.y(y_all), settings[best], seed=seed)
    report = {
        "chosen": best,
        "settings": settings,
        "channels": [NAMES[i] for i in hidden_idx],
        "validation_rmse": {k: [round(float(v), 5) for v in s] for k, s in scores.items()},
        "n_frames": int(len(x_all)),
        "n_takes": len(takes),
    }
    return CompletionModel(best, hidden_idx, params, scaler, y_all.mean(axis=0), report)


def _tune(
    kind: str,
    xs: np.ndarray,
    ys: np.ndarray,
    xv: np.ndarray,
    yv: np.ndarray,
    *,
    seed: int,
    n_epochs: int,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fit ``kind``, choosing its setting (ridge penalty, MLP epochs) on the held-out data."""
    if kind == "gaussian":
        return fit_gaussian(xs, ys), {}
    if kind == "ridge":
        fits = {pen: fit_ridge(xs, ys, pen) for pen in (1e-4, 1e-3, 1e-2, 1e-1, 1.0)}
        pen = min(fits, key=lambda p: np.mean((predict_raw("ridge", fits[p], xv) - yv) ** 2))
        return fits[pen], {"penalty": pen}
    params, epochs = fit_mlp(xs, ys, n_epochs=n_epochs, seed=seed, x_val=xv, y_val=yv)
    return params, {"epochs": epochs}


def _refit(
    kind: str, xs: np.ndarray, ys: np.ndarray, setting: dict[str, Any], *, seed: int
) -> dict[str, np.ndarray]:
    """Fit ``kind`` with the setting :func:`_tune` chose."""
    if kind == "gaussian":
        return fit_gaussian(xs, ys)
    if kind == "ridge":
        return fit_ridge(xs, ys, setting["penalty"])
    return fit_mlp(xs, ys, n_epochs=max(1, int(setting["epochs"])), seed=seed)[0]


# -- use -----------------------------------------------------------------------------------------


def load_prior() -> CompletionModel:
    """The built-in model, trained on synthetic people (see :mod:`likeness_lab.make_prior`)."""
    if not PRIOR_PATH.exists():
        raise InputError(
            f"{PRIOR_PATH}: the built-in completion prior is missing; "
            "run python -m likeness_lab.make_prior"
        )
    return CompletionModel.load(PRIOR_PATH)


def complete(
    animation: Animation,
    model: CompletionModel | None = None,
    *,
    add_blinks: bool = True,
    seed: int = 0,
) -> Animation:
    """``animation`` with its hidden channels inferred from the visible ones.

    Parameters
    ----------
    animation : Animation
        A take whose hidden channels are missing or unreliable (their values are ignored).
    model : CompletionModel, optional
        A person's own model (:func:`train`); the built-in prior when not given.
    add_blinks : bool
        Add stochastic blinks (:class:`likeness.behave.blink.Blink`) when the take has none at
        all (its blink channels are zero throughout).
    seed : int
        Seed of the added blinks.

    Returns
    -------
    Animation
        A new take; ``metadata["completion"]`` names the model kind and the channels filled.
    """
    model = model or load_prior()
    weights = animation.weights.copy()
    weights[:, model.hidden] = model.predict(animation)
    out = animation.replace(
        weights=weights,
        tracks=dict(animation.tracks),
        metadata={
            **animation.metadata,
            "completion": {"kind": model.kind, "channels": [NAMES[i] for i in model.hidden]},
        },
    )
    if add_blinks and len(out) and not animation.weights[:, BLINKS].any():
        from likeness.behave.layers import BehaviourOptions, apply_behaviour

        out = apply_behaviour(out, BehaviourOptions(("blink",), seed=seed))
    return out


class Completer:
    """Stateful stage filling the hidden channels frame by frame, for a headset in real time.

    Gives the same hidden weights as :func:`complete` on the whole take (blinks aside, which
    come from their own random draws).

    Parameters
    ----------
    model : CompletionModel, optional
        The built-in prior when not given.
    add_blinks : bool
        Add stochastic blinks: for headsets without eye tracking, whose frames have none.
    seed : int
        Seed of the blinks.
    """

    def __init__(
        self, model: CompletionModel | None = None, *, add_blinks: bool = False, seed: int = 0
    ) -> None:
        self.model = model or load_prior()
        self.add_blinks = add_blinks
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Forget the feature history and restart the blinks."""
        from likeness.behave.blink import Blink

        self._smooth: np.ndarray | None = None
        self._last_t: float | None = None
        self._blink = Blink(seed=self.seed) if self.add_blinks else None

    def __call__(self, frame: FaceFrame) -> FaceFrame:
        x = frame.weights[list(self.model.visible)].astype(np.float64)
        dt = 0.0 if self._last_t is None else frame.t_s - self._last_t
        if dt < 0:
            raise InputError(
                f"frames must come in time order, got t_s={frame.t_s} after {self._last_t}"
            )
        self._last_t = frame.t_s
        self._smooth = _low_pass(self._smooth, x, dt)
        weights = frame.weights.copy()
        weights[list(self.model.hidden)] = self.model.predict_features(
            np.concatenate([x, self._smooth])[None]
        )[0]
        frame = frame.replace(weights=weights)
        return self._blink(frame) if self._blink is not None else frame
