"""The phone recognisers' pocketsphinx searches, by name, as plain data: the command line offers
the names as choices while it builds its parser, before numpy or pocketsphinx is loaded."""

from __future__ import annotations

from typing import Any

RECOGNIZERS: dict[str, dict[str, Any]] = {
    # A light phone language model (weight 0.5, not 2) lets the sounds decide: on 16 espeak-ng
    # sentences in four voices it finds 51 of the 61 bilabials instead of 38 (55 instead of 40
    # in four other voices), the lips close on 71% of them instead of 58% (62% instead of 48%),
    # and the median boundary error falls from 14.8 to 13.0 ms. The narrower beams and two
    # Gaussians per codebook (of four) make it about 25% faster too.
    "accurate": {"lw": 0.5, "beam": 1e-6, "pbeam": 1e-6, "topn": 2},
    # Every other frame scored: 1.6x faster, with the same boundary error, but the stale scores
    # blur short sounds, and the lips close on 62% of those bilabials instead of 71% (49%
    # instead of 61% in the other four voices; 64% instead of 66% at 20 dB SNR).
    "fast": {"lw": 0.5, "beam": 1e-6, "pbeam": 1e-6, "topn": 2, "ds": 2},
}
"""Phone recognition's searches, by name: the default, and one that trades lip closures for
speed."""
