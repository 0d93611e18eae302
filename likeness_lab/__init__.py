"""Tools that measure likeness or build the data it ships, run by hand, never by the runtime.

- :mod:`likeness_lab.response`: MediaPipe's response to each blendshape on the avatar
  (``likeness/solve/data/tracker_response.npz``).
- :mod:`likeness_lab.drift`: how far the landmarks drift when only the head's pose changes
  (``likeness/solve/data/tracker_drift.npz``).
- :mod:`likeness_lab.real_pucker`: how MediaPipe's landmarks move when real people pucker
  (``likeness/solve/data/real_pucker.npz``), from videos and MediaPipe's own blendshapes for
  them.
- :mod:`likeness_lab.peer`: reading MediaPipe's own blendshapes for a video (the peer).
- :mod:`likeness_lab.make_prior`: the built-in VR completion prior
  (``likeness/behave/data/completion_prior.npz``).
- :mod:`likeness_lab.robustness`: the watermark's robustness and false-positive table
  (``docs/watermark.md``); its test clips also serve the trust benchmark and tests.

Each runs as ``python -m likeness_lab.<name>``. The ``likeness`` package never imports this one
(``likeness bench`` does, inside its trust benchmark's ``run``).
"""
