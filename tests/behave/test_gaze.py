import math

import numpy as np
import pytest

from likeness.behave import BehaviourOptions, Gaze, GazeOptions, apply_behaviour
from likeness.behave.gaze import minimum_jerk
from likeness.blendshapes import INDEX
from likeness.errors import InputError
from likeness.frame import FaceFrame

from .conftest import neutral_take, speech_spans


def line_of_sight_deg(animation) -> np.ndarray:
    """(n, 2) gaze in camera space: head facing plus eye-in-head, degrees."""
    from likeness.behave.headpose import facing_yaw_pitch

    head = np.array([facing_yaw_pitch(q) for q in animation.head_rotation])
    return np.degrees(head + animation.eyes_rad.mean(axis=1))


def detect_saccades(gaze_deg: np.ndarray, fps: float) -> list[tuple[float, float, float]]:
    """(amplitude deg, duration ms, peak deg/s) of each movement above 20 deg/s, its bounds
    extended while the gaze still moves faster than 0.5 deg/s."""
    speed = np.linalg.norm(np.diff(gaze_deg, axis=0), axis=1) * fps
    fast = speed > 20.0
    found = []
    i = 0
    while i < len(speed):
        if not fast[i]:
            i += 1
            continue
        a = i
        while a > 0 and speed[a - 1] > 0.5:
            a -= 1
        b = i
        while b + 1 < len(speed) and speed[b + 1] > 0.5:
            b += 1
        amplitude = float(np.linalg.norm(gaze_deg[b + 1] - gaze_deg[a]))
        found.append((amplitude, (b + 1 - a) / fps * 1e3, float(speed[a : b + 1].max())))
        i = b + 1
    return found


@pytest.fixture(scope="module")
def fine_gaze():
    """60 s of the gaze layer alone at 1000 frames per second, talking half the time."""
    take = neutral_take(60, fps=1000)
    take.tracks["phonemes"] = speech_spans((take.t_s % 10) < 5, take.fps)
    return apply_behaviour(take, BehaviourOptions(("gaze",), seed=11))


def test_saccades_measured_from_the_output_follow_the_main_sequence(fine_gaze):
    saccades = [
        s for s in detect_saccades(line_of_sight_deg(fine_gaze), fine_gaze.fps) if s[0] >= 1.0
    ]
    assert len(saccades) > 50
    amplitude, duration_ms, peak = (np.array(v) for v in zip(*saccades, strict=True))
    slope, intercept = np.polyfit(amplitude, duration_ms, 1)
    # Published fits: about 2.2-2.7 ms/deg and 20-30 ms (Carpenter 1988; Baloh et al. 1975).
    assert 2.0 <= slope <= 3.0
    assert 18.0 <= intercept <= 32.0
    # Peak velocity saturates: velocity per degree falls as saccades grow.
    small, large = (
        peak[amplitude < 5] / amplitude[amplitude < 5],
        peak[amplitude > 15] / amplitude[amplitude > 15],
    )
    assert np.median(large) < 0.6 * np.median(small)
    assert peak.max() < 1000.0


def test_the_track_lists_what_the_output_shows(fine_gaze):
    listed = [s for s in fine_gaze.tracks["saccades"] if s["amplitude_deg"] >= 1.0]
    measured = [
        s for s in detect_saccades(line_of_sight_deg(fine_gaze), fine_gaze.fps) if s[0] >= 1.0
    ]
    assert abs(len(listed) - len(measured)) <= 0.05 * len(listed)


@pytest.mark.slow
def test_gaze_is_never_frozen_for_three_seconds_in_five_minutes_of_say(five_minutes):
    _, behaved = five_minutes
    speed = np.linalg.norm(np.diff(line_of_sight_deg(behaved), axis=0), axis=1) * behaved.fps
    moving = np.flatnonzero(speed > 30.0) / behaved.fps
    gaps = np.diff(np.concatenate([[0.0], moving, [behaved.duration_s]]))
    assert gaps.max() < 3.0
    starts = np.array([s["start_s"] for s in behaved.tracks["saccades"]])
    amplitude = np.array([s["amplitude_deg"] for s in behaved.tracks["saccades"]])
    duration_ms = np.array([s["end_s"] - s["start_s"] for s in behaved.tracks["saccades"]]) * 1e3
    slope, intercept = np.polyfit(amplitude, duration_ms, 1)
    assert 2.0 <= slope <= 3.0 and 18.0 <= intercept <= 32.0
    assert np.diff(starts).max() < 3.0


def test_listeners_look_at_the_face_more_than_speakers():
    shares = {}
    for speaking in (True, False):
        gaze = Gaze(seed=5)
        for t in np.arange(0, 900, 1 / 30):
            gaze.step(float(t), speaking=speaking)
        shares[speaking] = np.mean([s.on_face for s in gaze.saccades])
    # Argyle & Cook (1976): listeners about 75 %, speakers about 41 %.
    assert abs(shares[False] - 0.75) < 0.08
    assert abs(shares[True] - 0.41) < 0.08


def test_head_takes_part_in_large_shifts_only():
    options = GazeOptions()
    gaze = Gaze(options, seed=6)
    samples = {}
    for t in np.arange(0, 600, 0.01):
        samples[round(float(t), 2)] = gaze.step(float(t), speaking=True)
    checked = 0
    for saccade, following in zip(gaze.saccades, gaze.saccades[1:], strict=False):
        settle = round(saccade.end_s + 0.6, 2)
        if settle >= following.start_s or settle not in samples:
            continue  # the next shift began before the head settled
        gaze_deg, head_deg = samples[settle]
        size = math.hypot(*saccade.to_deg)
        expected = options.head_share * max(0.0, 1 - options.head_threshold_deg / size)
        # (shifts under 0.3 degrees are not listed, so allow for one between)
        assert np.allclose(head_deg, np.array(saccade.to_deg) * expected, atol=0.3)
        assert np.allclose(gaze_deg, saccade.to_deg, atol=0.3)
        checked += size > options.head_threshold_deg + 5
    assert checked > 10


def test_eyes_stay_in_their_range(fine_gaze):
    assert np.abs(fine_gaze.eyes_rad).max() <= math.radians(35.0) + 1e-6


def test_eyes_look_at_a_point_and_weights_follow_the_eyes():
    gaze = Gaze(GazeOptions(look_at="camera"), seed=3)
    frames = [
        gaze(FaceFrame.neutral(t, head_translation_m=np.array([0.3, 0.0, -0.6], np.float32)))
        for t in np.arange(0, 60, 1 / 30)
    ]
    yaw_deg = np.degrees([f.eyes_rad[0, 0] for f in frames])
    assert abs(np.median(yaw_deg) - math.degrees(math.atan2(-0.3, 0.6))) < 4.0
    weights = np.array([f.weights for f in frames])
    looking_in_left = weights[:, INDEX["eyeLookInLeft"]]
    looking_out_right = weights[:, INDEX["eyeLookOutRight"]]
    assert np.median(looking_in_left) > 0.5 and np.median(looking_out_right) > 0.5
    assert weights[:, INDEX["eyeLookOutLeft"]].max() == 0.0


def test_minimum_jerk_profile_and_bad_options():
    assert minimum_jerk(0.0) == 0.0 and minimum_jerk(1.0) == 1.0 and minimum_jerk(0.5) == 0.5
    with pytest.raises(InputError):
        GazeOptions(look_at="moon")
    with pytest.raises(InputError):
        GazeOptions(look_at=(0.0, float("nan"), 1.0))
    with pytest.raises(InputError):
        GazeOptions(on_face_talking=2.0)
