"""The behaviour options commands share: ``--behave``, ``--emotion``, ``--look-at`` and
``--behave-seed``, parsed without loading the behaviour layers themselves."""

from __future__ import annotations

import argparse

from likeness.behave.names import EMOTIONS, LAYERS


def parse_layers(value: str) -> tuple[str, ...]:
    """``"blink,gaze"`` -> ``("blink", "gaze")``, for argparse; ``all`` means every layer."""
    names = (
        LAYERS
        if value.strip() == "all"
        else tuple(v.strip() for v in value.split(",") if v.strip())
    )
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown behaviour layer(s) {unknown}; choose from {', '.join(LAYERS)} or all"
        )
    return names


BEHAVE_OPTIONS = "--behave, --emotion, --look-at and --behave-seed"
"""The options of :func:`add_behave_arguments`, as a command's refusal names them."""


def add_behave_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--behave``, ``--emotion``, ``--look-at`` and ``--behave-seed`` to a parser.

    Pair with :func:`likeness.behave.layers.behave_layers` early in the command's ``run`` (to
    refuse a contradiction before any work) and :func:`likeness.behave.layers.behave_from_args`
    once the take is made.
    """
    group = parser.add_argument_group("behaviour", "layers that make a face feel alive")
    group.add_argument(
        "--behave",
        type=parse_layers,
        default=(),
        metavar="LAYERS",
        help=f"comma-separated layers to add: {', '.join(LAYERS)} (or all)",
    )
    group.add_argument(
        "--emotion",
        choices=("auto",) + EMOTIONS,
        help="emotion to show (adds the emotion layer); auto (the layer's default) reads it "
        "from the text and the voice",
    )
    group.add_argument(
        "--look-at",
        metavar="camera|ahead|X,Y,Z",
        type=parse_look_at,
        help="gaze target (adds the gaze layer): the camera (the layer's default), straight "
        "ahead, or a point in camera space in metres",
    )
    group.add_argument(
        "--behave-seed", type=int, metavar="N",
        help="seed of blinks, gaze and idle motion (default 0; needs one of those layers)",
    )


def parse_look_at(value: str) -> str | tuple[float, float, float]:
    """``camera``, ``ahead`` or ``x,y,z`` metres, for argparse."""
    if value in ("camera", "ahead"):
        return value
    try:
        x, y, z = (float(v) for v in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected camera, ahead or X,Y,Z in metres, got {value!r}"
        ) from None
    return x, y, z
