"""Measuring MediaPipe's response to each blendshape on the avatar, which
:mod:`likeness.solve.response` reads (its docstring says how and why).

Run ``python -m likeness_lab.response`` (needs the renderer's EGL; under a minute) to rewrite
``likeness/solve/data/tracker_response.npz``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from likeness.blendshapes import MIRROR, N_BLENDSHAPES
from likeness.errors import TrackingError
from likeness.solve import response

log = logging.getLogger(__name__)

LEVELS = (0.6, 1.0)
"""Blendshape strengths rendered; their responses per unit weight are averaged."""
YAWS_DEG = (-12.0, 0.0, 12.0)
"""Head turns rendered, so the fields do not depend on a frontal view."""


def measure_response(size_px: int = 512) -> np.ndarray:
    """Render, track and difference every blendshape (see :mod:`likeness.solve.response`)."""
    from tqdm import tqdm

    from likeness.frame import FaceFrame, quaternions_from_euler
    from likeness.render import Renderer
    from likeness.rig import landmark_mirror, neutral_m
    from likeness.solve.camera import PinholeCamera
    from likeness.solve.pose import HeadPose, image_points
    from likeness.track.mesh import FaceTracker

    template = neutral_m().astype(np.float64)
    fields = np.zeros((N_BLENDSHAPES, 478, 3))
    with Renderer(size=size_px) as renderer, FaceTracker() as tracker:

        def head_points(weights: np.ndarray, rotation: np.ndarray) -> np.ndarray:
            tracker.reset()  # every picture detected afresh: no state carried between them
            frame = FaceFrame(t_s=0.0, weights=weights.astype(np.float32), head_rotation=rotation)
            faces = tracker(renderer.render(frame))
            if not faces:
                raise TrackingError("the tracker lost the avatar while measuring its response")
            points = image_points(faces[0].landmarks, faces[0].image_size)
            pose = HeadPose(points, template, faces[0].image_size, PinholeCamera())
            return pose.to_head(points)

        jobs = [(yaw, k, level)
                for yaw in YAWS_DEG for k in range(N_BLENDSHAPES) for level in LEVELS]
        rest: dict[float, np.ndarray] = {}
        for yaw, k, level in tqdm(jobs, desc="response", unit="render"):
            rotation = quaternions_from_euler(np.radians([[yaw, 0.0, 0.0]]))[0]
            if yaw not in rest:
                rest[yaw] = head_points(np.zeros(N_BLENDSHAPES), rotation)
            weights = np.zeros(N_BLENDSHAPES)
            weights[k] = level
            fields[k] += (head_points(weights, rotation) - rest[yaw]) / level
    fields /= len(YAWS_DEG) * len(LEVELS)
    mirrored = fields[MIRROR][:, landmark_mirror()] * np.array([-1.0, 1.0, 1.0])
    return ((fields + mirrored) / 2).astype(np.float32)


def main() -> None:
    """Measure the response fields and write them into the package."""
    logging.basicConfig(level=logging.INFO)
    fields = measure_response()
    out = Path(response.__file__).resolve().parent / response.DATA
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, response_m=fields)
    log.info("wrote %s", out)


if __name__ == "__main__":
    main()
