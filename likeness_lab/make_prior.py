"""Build the built-in completion prior from synthetic people.

Run ``python -m likeness_lab.make_prior``.

Trains on two one-minute takes each of eight synthetic people (:mod:`likeness.behave.synthetic`,
person seeds 100-107) and writes ``likeness/behave/data/completion_prior.npz``. The data are
made by the project itself, so the file can be rebuilt on any machine: the same model, its
numbers equal up to the rounding of that CPU's floating point (a few 1e-15).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from likeness.behave.complete import PRIOR_PATH, train
from likeness.behave.synthetic import synthetic_take

PEOPLE = range(100, 108)
TAKES_PER_PERSON = 2
TAKE_S = 60.0


def build(path: Path = PRIOR_PATH, *, seed: int = 0) -> None:
    """Train the prior and write it to ``path``."""
    takes = [
        synthetic_take(TAKE_S, person_seed=p, take_seed=k)
        for k in range(TAKES_PER_PERSON)
        for p in PEOPLE
    ]
    model = train(takes, seed=seed)
    model.report["trained_on"] = (
        f"synthetic: persons {PEOPLE.start}-{PEOPLE.stop - 1}, "
        f"{TAKES_PER_PERSON} x {TAKE_S:.0f} s each"
    )
    model.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=PRIOR_PATH)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    build(args.output)


if __name__ == "__main__":
    main()
