"""Learning a face's rest: from the first frame, through a take that starts mid-expression, a
bad first second and a face that holds a channel all along."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.rig.gaze import DOWN_RANGE_RAD
from likeness.rig.shapes import blendshape_deltas_m
from likeness.solve import FaceSolver, SolverOptions
from likeness.solve.gaze import IRIS_TRAVEL_M
from likeness.solve.measures import MEASURES, measure_index
from likeness.solve.rest import OTHER_SPREAD_M, TRUST_S, relaxed_neutral_m
from likeness.solve.solver import LIDS_FOLLOW_GLANCE, rest_of_take
from tests.solve.test_solver import CAMERA, SIZE, render_landmarks

FPS = 30.0
OPTIONS = SolverOptions(camera=CAMERA)
MOUTH = [measure_index(n) for n in ("lip_gap", "mouth_width", "corner_rise_left",
                                    "corner_rise_right", "corner_out_left", "corner_out_right")]


@pytest.fixture(scope="module")
def person() -> np.ndarray:
    """A face of its own: the generic relaxed face with its mouth 2.7 mm wider (within how
    faces differ at rest) and a longer chin."""
    deltas = blendshape_deltas_m()
    face = relaxed_neutral_m() + 0.3 * deltas[INDEX["mouthStretchLeft"]]
    face += 0.3 * deltas[INDEX["mouthStretchRight"]]
    face[152] += (0.0, -0.004, 0.0)
    return face


def talking(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 52) weights of a face talking: the jaw and the lips moving, a blink now and then."""
    weights = np.zeros((n, N_BLENDSHAPES))
    t = np.arange(n) / FPS
    weights[:, INDEX["jawOpen"]] = np.clip(0.25 * np.sin(2 * np.pi * 3.1 * t) + 0.1, 0, 1)
    weights[:, INDEX["mouthPucker"]] = np.clip(0.5 * np.sin(2 * np.pi * 1.3 * t) - 0.3, 0, 1)
    for start in rng.integers(0, n - 6, n // 90):
        weights[start:start + 6, [INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]]] = 0.9
    return weights


def grinning(n: int) -> np.ndarray:
    """(n, 52) weights of a broad grin with the jaw dropped."""
    weights = np.zeros((n, N_BLENDSHAPES))
    weights[:, [INDEX["mouthSmileLeft"], INDEX["mouthSmileRight"]]] = 0.7
    weights[:, INDEX["jawOpen"]] = 0.5
    return weights


def frames_of(weights: np.ndarray, face: np.ndarray, rng: np.random.Generator,
              sway_deg: float = 6.0) -> list:
    """Landmarks of ``face`` making ``weights``, the head swaying a little (yaw up to
    ``sway_deg``), with tracker jitter."""
    yaw = sway_deg * np.sin(np.arange(len(weights)) / 40)
    return [render_landmarks(w, (y, 0.0, 0.0), neutral=face)
            + rng.normal(0, 2e-4, (478, 3)).astype(np.float32)
            for w, y in zip(weights, yaw, strict=True)]


def turn_irises_down(frames: list, down: np.ndarray, look: float) -> None:
    """Move the irises of ``frames[down]`` as MediaPipe reports an eye turned down by ``look``
    of the eyeLookDown range (the head half a metre from the camera): the rig's fields move the
    lids for a look down, not the irises."""
    travel = IRIS_TRAVEL_M[1] * np.sin(look * DOWN_RANGE_RAD)
    drop = travel * CAMERA.focal_px(SIZE[0]) / 0.5
    for i in np.flatnonzero(down):
        frames[i][468:, 1] += drop / SIZE[1]


def read_take(frames: list, how: str = "camera") -> np.ndarray:
    """(n, 52) weights of ``frames`` read as a file (against the take's rest) or a camera."""
    calibration = rest_of_take(frames, SIZE, options=OPTIONS, fps=FPS) if how == "file" else None
    solver = FaceSolver(OPTIONS, calibration=calibration, fps=FPS)
    return np.array([solver(f, i / FPS, SIZE).weights for i, f in enumerate(frames)])


def test_the_first_frame_of_a_face_at_rest_reads_nothing(person, rng):
    solver = FaceSolver(OPTIONS, fps=FPS)
    frame = solver(frames_of(np.zeros((1, N_BLENDSHAPES)), person, rng)[0], 0.0, SIZE)
    assert frame.weights.max() < 0.3


def test_a_grin_reads_from_the_first_frame(person, rng):
    solver = FaceSolver(OPTIONS, fps=FPS)
    frame = solver(frames_of(grinning(1), person, rng)[0], 0.0, SIZE)
    assert frame.weights[INDEX["mouthSmileLeft"]] > 0.4
    assert frame.weights[INDEX["mouthSmileRight"]] > 0.4
    assert frame.weights[INDEX["jawOpen"]] == pytest.approx(0.5, abs=0.2)


def test_a_take_that_starts_mid_grin_learns_the_rest(person, rng):
    weights = np.concatenate([grinning(45), talking(255, rng)])
    frames = frames_of(weights, person, rng)
    calibration = rest_of_take(frames, SIZE, options=OPTIONS, fps=FPS)
    rest = calibration.rest.measures_m
    np.testing.assert_allclose(rest[MOUTH], MEASURES(person)[MOUTH], atol=1e-3)
    solver = FaceSolver(OPTIONS, calibration=calibration, fps=FPS)
    read = np.array([solver(f, i / FPS, SIZE).weights for i, f in enumerate(frames)])
    for name in ("mouthSmileLeft", "mouthSmileRight", "jawOpen"):
        r = np.corrcoef(read[:, INDEX[name]], weights[:, INDEX[name]])[0, 1]
        assert r > 0.9, name
    assert read[:45, INDEX["mouthSmileLeft"]].min() > 0.4


def test_a_bad_first_second_does_not_spoil_the_rest(person, rng):
    weights = talking(450, rng)
    frames = frames_of(weights, person, rng)
    for i in range(30):  # the tracker lost in the first second: landmarks millimetres off
        frames[i] = frames[i] + rng.normal(0, 0.01, (478, 3)).astype(np.float32)
    solver = FaceSolver(OPTIONS, fps=FPS)
    read = np.array([solver(f, i / FPS, SIZE).weights for i, f in enumerate(frames)])
    rest = solver.calibration_so_far().rest.measures_m
    np.testing.assert_allclose(rest[MOUTH], MEASURES(person)[MOUTH], atol=1e-3)
    late = slice(300, None)
    r = np.corrcoef(read[late, INDEX["jawOpen"]], weights[late, INDEX["jawOpen"]])[0, 1]
    assert r > 0.9


def test_a_held_grin_is_not_taken_for_the_rest_at_first(person, rng):
    solver = FaceSolver(OPTIONS, fps=FPS)
    frames = frames_of(grinning(30), person, rng)
    read = np.array([solver(f, i / FPS, SIZE).weights for i, f in enumerate(frames)])
    assert read[:, INDEX["mouthSmileLeft"]].min() > 0.3
    rest = solver.calibration_so_far().rest.measures_m
    generic = MEASURES(relaxed_neutral_m())
    assert np.abs(rest - generic)[MOUTH].max() <= (1 + 1 / TRUST_S) * OTHER_SPREAD_M + 1e-9


def test_a_grin_held_for_the_first_two_seconds_is_read_as_a_grin_throughout(person, rng):
    # A camera's rest takes over from the generic one over two seconds: over one, half the grin
    # had been taken for the rest by its end (mouthSmile 0.35 of 0.7).
    solver = FaceSolver(OPTIONS, fps=FPS)
    frames = frames_of(grinning(60), person, rng)
    read = np.array([solver(f, i / FPS, SIZE).weights for i, f in enumerate(frames)])
    assert read[:, [INDEX["mouthSmileLeft"], INDEX["mouthSmileRight"]]].min() > 0.5


def test_a_channel_read_all_along_is_floored(person, rng):
    # mouthShrugUpper moves none of the measures: the fit reads it, and a face that shows it all
    # along (here at 0.5) has it as its floor; what rises above still shows. (The head sways
    # less than elsewhere: at 6 degrees MediaPipe's drift along so small a field is as large as
    # the rise, and the solver's drift allowance holds it back.)
    weights = talking(300, rng)
    weights[:, INDEX["mouthShrugUpper"]] = 0.5
    weights[::50, INDEX["mouthShrugUpper"]] = 1.0
    solver = FaceSolver(OPTIONS, fps=FPS)
    read = np.array([solver(f, i / FPS, SIZE).weights
                     for i, f in enumerate(frames_of(weights, person, rng, sway_deg=2.0))])
    late = read[150:, INDEX["mouthShrugUpper"]]
    peaks = weights[150:, INDEX["mouthShrugUpper"]] == 1.0
    assert np.median(late[~peaks]) < 0.15
    assert late[peaks].min() > 0.5


@pytest.mark.parametrize("how", ["file", "camera"])
def test_what_a_face_reads_with_its_smile_all_along_is_taken_for_a_habit(person, rng, how):
    # MediaPipe moves a real face's upper lip with its smile further than the rig says, and the
    # fit reads that as mouthShrugUpper: here every smile brings a shrug at 0.8 times its
    # strength, and once, near the end, the shrug comes on its own. A file is read against the
    # habits of its whole take; a camera learns them as it goes, in full after 10 s.
    n = 600
    weights = np.zeros((n, N_BLENDSHAPES))
    smile = np.clip(0.7 * np.sin(2 * np.pi * np.arange(n) / 90), 0, 1)
    weights[:, INDEX["mouthSmileLeft"]] = weights[:, INDEX["mouthSmileRight"]] = smile
    weights[:, INDEX["mouthShrugUpper"]] = 0.8 * smile
    alone = slice(500, 520)
    weights[alone, [INDEX["mouthSmileLeft"], INDEX["mouthSmileRight"]]] = 0.0
    weights[alone, INDEX["mouthShrugUpper"]] = 0.7
    frames = frames_of(weights, person, rng, sway_deg=2.0)
    calibration = rest_of_take(frames, SIZE, options=OPTIONS, fps=FPS) if how == "file" else None
    solver = FaceSolver(OPTIONS, calibration=calibration, fps=FPS)
    read, raw = [], []
    for i, frame in enumerate(frames):
        read.append(solver(frame, i / FPS, SIZE).weights[INDEX["mouthShrugUpper"]])
        raw.append(solver.last_reading[INDEX["mouthShrugUpper"]])
    read, raw = np.array(read), np.array(raw)
    smiling = (smile > 0.5) & (np.arange(n) >= 330) & (np.arange(n) < 500)
    assert np.median(raw[smiling]) > 0.3  # the fit does read it
    # Without habits the floor takes only some of it (90th percentile 0.21 from a file, 0.33 on
    # a camera), and the shrug alone, over a floor the smiles raised, reads 0.33 and 0.54.
    assert np.percentile(read[smiling], 90) < 0.15
    assert read[alone].min() > {"file": 0.45, "camera": 0.6}[how]


@pytest.mark.parametrize("how", ["file", "camera"])
def test_eyes_kept_nearly_shut_most_of_a_take_do_not_sink_the_lids_rest(person, rng, how):
    # Someone reading a script below the camera holds the lids nearly shut most of the take,
    # looking up now and then. Counted in the rest, those frames sank the upper lid's rest to
    # theirs, and every open eye read as eyeWide.
    n = 450
    weights = talking(n, rng)
    shut = (np.arange(n) >= 30) & (np.arange(n) < 390)
    lids = [INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]]
    weights[np.ix_(shut, lids)] = 0.85
    read = read_take(frames_of(weights, person, rng), how)
    looking_up = (weights[:, lids].max(1) == 0) & (np.arange(n) >= 390)
    assert read[np.ix_(looking_up, [INDEX["eyeWideLeft"], INDEX["eyeWideRight"]])].max() < 0.3
    assert read[np.ix_(shut, lids)].min() > 0.6


def test_eyes_looking_down_at_notes_most_of_a_take_do_not_move_where_ahead_is(person, rng):
    # The gaze is measured from where the irises rest. Someone reading notes below the camera,
    # lids nearly shut, most of the take: with those frames in, the irises' rest sank with them
    # and every look into the camera read as a look up.
    n = 450
    weights = talking(n, rng)
    down = (np.arange(n) >= 30) & (np.arange(n) < 330)
    looks = [INDEX["eyeLookDownLeft"], INDEX["eyeLookDownRight"]]
    lids = [INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]]
    weights[np.ix_(down, looks)] = 0.5
    weights[np.ix_(down, lids)] = 0.85
    frames = frames_of(weights, person, rng)
    turn_irises_down(frames, down, 0.5)
    read = read_take(frames)
    ahead = (weights[:, lids].max(1) == 0) & (np.arange(n) >= 360)
    ups = [INDEX["eyeLookUpLeft"], INDEX["eyeLookUpRight"]]
    # The tracker's jitter (2e-4 of the picture) alone reads up to 0.12.
    assert read[np.ix_(ahead, ups + looks)].max() < 0.15


def test_a_take_spent_mostly_looking_down_keeps_the_lids_rest(person, rng):
    # Looking down lowers the lids with the gaze (here as far as the solver allows for: the
    # rig's lowering for a look down at 0.8, times LIDS_FOLLOW_GLANCE, the irises turned down
    # 24 degrees). That is taken out of the lids before they are read, and before their rest is
    # learned: learned as they were, the rest sank toward the lowered lids, and eyes looking
    # ahead read wide. (A camera that has seen nothing but the look down yet takes it for
    # ahead, as the median of what it has seen, until the person has looked ahead for a while.)
    n = 450
    weights = talking(n, rng)
    down = (np.arange(n) >= 30) & (np.arange(n) < 390)
    looks = [INDEX["eyeLookDownLeft"], INDEX["eyeLookDownRight"]]
    weights[np.ix_(down, looks)] = 0.8 * LIDS_FOLLOW_GLANCE
    frames = frames_of(weights, person, rng)
    turn_irises_down(frames, down, 0.8)
    read = read_take(frames, "file")
    lids = [INDEX[f"eye{what}{side}"] for what in ("Blink", "Wide") for side in ("Left", "Right")]
    blinking = weights[:, [INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]]].max(1) > 0
    ahead = ~blinking & (np.arange(n) >= 400)
    assert read[np.ix_(ahead, lids)].max() < 0.3
