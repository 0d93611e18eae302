"""Benchmark of the behaviour layers and of upper-face completion.

Speed: each streaming stage per frame beside the 16.7 ms frame budget at 60 fps, and the whole
take helper's real-time factor. Accuracy: completion error per hidden channel on a held-out
take beside the zeros and person-mean baselines, for a person's own model and for the built-in
prior on a person it never saw (synthetic people; see likeness.behave.synthetic).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import numpy as np

from likeness.bench.timing import BenchOptions, summarize_ms, time_calls

FPS = 60.0


def run(options: BenchOptions) -> dict[str, Any]:
    from likeness.behave import Blink, EmotionLayer, Gaze, Idle, apply_behaviour
    from likeness.frame import Animation, FaceFrame

    n_frames = 600 if options.quick else 3600
    take = Animation.neutral(n_frames, FPS)
    frames = [FaceFrame.neutral(i / FPS) for i in range(n_frames)]
    events = [{"start_s": 0.0, "end_s": n_frames / FPS, "emotion": "joy", "intensity": 0.7}]
    stages: dict[str, Any] = {}
    for name, stage in (
        ("blink", Blink()),
        ("gaze", Gaze()),
        ("idle", Idle()),
        ("emotion", EmotionLayer(events)),
    ):
        samples = []
        for frame in frames:
            start = time.perf_counter()
            stage(frame)
            samples.append(time.perf_counter() - start)
        stages[name] = summarize_ms(samples)
    whole = time_calls(
        lambda: apply_behaviour(take, text="What a lovely day!"),
        1 if options.quick else 3,
        n_warmup=0,
    )
    report: dict[str, Any] = {
        "per_frame": stages,
        "frame_budget_ms_at_60fps": round(1e3 / FPS, 2),
        "apply_behaviour": {
            "take_s": n_frames / FPS,
            **summarize_ms(whole),
            "real_time_factor": round(float(np.median(whole)) / (n_frames / FPS), 4),
        },
    }
    report["completion"] = completion_figures(options)
    return report


def completion_figures(options: BenchOptions) -> dict[str, Any]:
    """Per-channel RMSE of completion on held-out synthetic takes, beside both baselines."""
    from likeness.behave.complete import load_prior, rmse_per_channel, train
    from likeness.behave.synthetic import synthetic_take
    from likeness.blendshapes import NAMES

    take_s = 30.0 if options.quick else 60.0
    takes = [synthetic_take(take_s, person_seed=7, take_seed=k) for k in range(4)]
    start = time.perf_counter()
    own = train(takes[:3], seed=0)
    train_s = time.perf_counter() - start
    stranger = synthetic_take(take_s, person_seed=999, take_seed=0)
    prior = load_prior()
    out: dict[str, Any] = {
        "train_s": round(train_s, 2),
        "chosen": own.kind,
        "validation_mean_rmse": {
            k: round(float(np.mean(v)), 4) for k, v in own.report["validation_rmse"].items()
        },
    }
    for label, model, held_out, person_mean in (
        ("own_model_held_out_take", own, takes[3], own.person_mean),
        # The stranger's own mean is an oracle the prior cannot know: a hard baseline.
        ("prior_new_person", prior, stranger, stranger.weights[:, prior.hidden].mean(axis=0)),
    ):
        actual = held_out.weights[:, model.hidden]
        predict = time_calls(partial(model.predict, held_out), 3, n_warmup=1)
        predicted = model.predict(held_out)
        rmse = rmse_per_channel(predicted, actual)
        zeros = rmse_per_channel(np.zeros_like(actual), actual)
        mean = rmse_per_channel(np.broadcast_to(person_mean, actual.shape), actual)
        out[label] = {
            "kind": model.kind,
            "predict_ms_per_frame": round(float(np.median(predict)) * 1e3 / len(held_out), 4),
            "channels": {
                NAMES[c]: {
                    "model": round(float(rmse[k]), 4),
                    "zeros": round(float(zeros[k]), 4),
                    "person_mean": round(float(mean[k]), 4),
                }
                for k, c in enumerate(model.hidden)
            },
            "mean": {
                "model": round(float(rmse.mean()), 4),
                "zeros": round(float(zeros.mean()), 4),
                "person_mean": round(float(mean.mean()), 4),
            },
        }
    return out
