"""``likeness twin``: a talking, photoreal avatar (GLB) from one frontal portrait."""

from __future__ import annotations

import argparse

from likeness.commands.outputs import add_consent_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "twin",
        help="make a talking avatar (.glb) from one frontal portrait, with the person's grant",
        description="Fits a face mesh to PHOTO's MediaPipe landmarks, carries the rig's 52 ARKit "
        "displacement fields onto it and textures it with the photo itself; the whole picture "
        "stays behind it (hair, background), eyes turn with gaze under lids that close, and a "
        "mouth with teeth and tongue opens. The .glb renders with `likeness render --avatar`, "
        "`say --avatar` and in `serve`, framed as the photo was. A twin is the person's "
        "likeness: making it needs their consent grant for PHOTO (--consent GRANT --context C, "
        "allowing 'export'), and the file is bound to the photo's hash, so every later use "
        "needs a grant for the photo too. A photo without a face, or an unreadable one, stops "
        "with an error and writes nothing.",
    )
    parser.add_argument("photo", metavar="PHOTO", help="a frontal portrait (.jpg, .png, ...)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.glb", help="the twin")
    parser.add_argument("--contact-sheet", metavar="OUT.png",
                        help="also a grid of the twin's expressions beside the photo (a render: "
                        "the grant must allow 'render' too)")
    add_consent_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from likeness.avatar.gltf import write_glb
    from likeness.avatar.twin import twin_from_photo
    from likeness.commands.outputs import command_guard
    from likeness.errors import InputError
    from likeness.fileio import existing_file

    photo = existing_file(args.photo, "photo")
    if Path(args.output).suffix.lower() != ".glb":
        raise InputError(f"{args.output}: expected a .glb output file")
    if args.contact_sheet and Path(args.contact_sheet).suffix.lower() != ".png":
        raise InputError(f"{args.contact_sheet}: expected a .png contact sheet")
    guard = command_guard(args, likeness_asset=photo)
    guard.require("export", *(["render"] if args.contact_sheet else []))
    avatar = twin_from_photo(photo)
    write_glb(avatar, args.output, guard=guard, ingredients=[photo])
    if args.contact_sheet:
        from likeness.avatar.twin import photo_of
        from likeness.render.sheet import contact_sheet

        contact_sheet(args.contact_sheet, guard=guard, ingredients=[photo], avatar=avatar,
                      photo=photo_of(avatar))
    return 0
