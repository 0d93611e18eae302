"""``likeness avatar``: write the built-in avatar as glTF binary, or a contact sheet of it."""

from __future__ import annotations

import argparse

from likeness.commands.outputs import add_consent_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "avatar",
        help="write the built-in avatar as a .glb with the 52 ARKit morph targets",
        description="Writes the project's avatar as glTF 2.0 binary: a head mesh whose 52 morph "
        "targets carry their ARKit names (mesh extras.targetNames, read by three.js, Blender, "
        "Unity and Unreal), Head and Neck bones for head pose and LeftEye/RightEye nodes for "
        "gaze. --contact-sheet renders a grid of its expressions (or those of --avatar FILE: "
        "a real person's, such as a `likeness twin`, needs their grant, --consent GRANT "
        "--context C, and the sheet carries a C2PA manifest).",
    )
    parser.add_argument("-o", "--output", metavar="OUT.glb", help="the avatar file")
    parser.add_argument("--contact-sheet", metavar="OUT.png", help="a grid of expressions")
    parser.add_argument("--avatar", metavar="FILE.glb", help="for --contact-sheet: another avatar")
    add_consent_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.avatar import default_avatar
    from likeness.avatar.gltf import read_glb, write_glb
    from likeness.commands.outputs import command_guard
    from likeness.errors import InputError

    if not (args.output or args.contact_sheet):
        raise InputError("nothing to write: give -o OUT.glb and/or --contact-sheet OUT.png")
    if args.avatar and not args.contact_sheet:
        raise InputError("--avatar picks the avatar of --contact-sheet: give --contact-sheet "
                         "OUT.png (-o always writes the built-in avatar)")
    guard = command_guard(args, likeness_asset=args.avatar)
    if args.output:
        write_glb(default_avatar(), args.output, guard=guard)
    if args.contact_sheet:
        from likeness.render.sheet import contact_sheet

        avatar = read_glb(args.avatar) if args.avatar else None
        contact_sheet(args.contact_sheet, guard=guard, avatar=avatar,
                      ingredients=[args.avatar] if args.avatar else [])
    return 0
