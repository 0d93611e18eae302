"""Flags shared by several commands, and the one place where parsed flags become the options
objects of the stages they configure (below ``commands/`` nothing sees a parsed command line).

Each ``add_*_arguments`` adds a group of flags; the matching ``*_options(args)`` builds the
stage's frozen options from them, refusing contradictions with the flags' own names.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from likeness.behave.names import EMOTIONS, LAYERS, SEEDED_LAYERS
from likeness.errors import InputError

if TYPE_CHECKING:
    from likeness.behave.layers import BehaviourOptions
    from likeness.sinks.url import SinkOptions
    from likeness.track.stages import TrackingOptions

BEHAVE_OPTIONS = "--behave, --emotion, --look-at and --behave-seed"
"""The flags of :func:`add_behave_arguments`, as a command's refusal names them."""


def parse_layers(value: str) -> tuple[str, ...]:
    """``"blink,gaze"`` -> ``("blink", "gaze")``; ``all`` means every layer."""
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


def parse_look_at(value: str) -> str | tuple[float, float, float]:
    """``camera``, ``ahead`` or ``x,y,z`` metres."""
    if value in ("camera", "ahead"):
        return value
    try:
        x, y, z = (float(v) for v in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected camera, ahead or X,Y,Z in metres, got {value!r}"
        ) from None
    return x, y, z


def add_behave_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--behave``, ``--emotion``, ``--look-at`` and ``--behave-seed`` to a parser.

    Pair with :func:`behaviour_options` early in the command's ``run`` (to refuse a
    contradiction before any work).
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


def behaviour_options(args: argparse.Namespace) -> BehaviourOptions:
    """The behaviour a command line asks for: the ``--behave`` layers, plus the layer an option
    implies (``--emotion``: emotion, ``--look-at``: gaze). No layers when no behaviour flag was
    given: the take is then left as it is.

    Raises
    ------
    InputError
        ``--behave-seed`` without a layer it seeds.
    """
    from likeness.behave.layers import BehaviourOptions

    layers = list(args.behave)
    for option, layer in ((args.emotion, "emotion"), (args.look_at, "gaze")):
        if option is not None and layer not in layers:
            layers.append(layer)
    if args.behave_seed is not None and not set(layers) & set(SEEDED_LAYERS):
        raise InputError(
            f"--behave-seed seeds {', '.join(SEEDED_LAYERS)}, none of which is asked for: add "
            f"--behave with one of them (or all)"
        )
    return BehaviourOptions(tuple(layers), emotion=args.emotion or "auto",
                            look_at=args.look_at or "camera", seed=args.behave_seed or 0)


def tracking_options(args: argparse.Namespace) -> TrackingOptions:
    """``likeness track``'s ``--max-faces``, ``--no-filter`` and ``--hfov`` as tracking options."""
    from likeness.solve import PinholeCamera, SolverOptions
    from likeness.track.stages import TrackingOptions

    if args.max_faces < 1:
        raise InputError(f"--max-faces must be at least 1, got {args.max_faces}")
    camera = PinholeCamera() if args.hfov is None else PinholeCamera(args.hfov)
    return TrackingOptions(max_faces=args.max_faces, filtered=not args.no_filter,
                           solver=SolverOptions(camera=camera))


def sink_options(args: argparse.Namespace) -> tuple[SinkOptions, ...]:
    """The ``--send`` destinations, each URL parsed and checked, so that a malformed one is
    refused before any work."""
    from likeness.sinks.url import SinkOptions

    return tuple(SinkOptions.parse(url) for url in getattr(args, "send", None) or ())
