"""``likeness batch``: one single-file command over a whole folder or manifest, on Ray."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from likeness.batch.jobs import JOBS, BatchJob
from likeness.errors import InputError

JOB_FLAGS: dict[str, tuple[str, ...]] = {
    "lipsync": ("fps", "format"),
    "say": ("fps", "format", "voice", "rate"),
    "track": ("format", "max_faces", "no_filter", "hfov"),
    "render": ("format", "size", "fps", "avatar"),
}
"""The job-option flags (destinations) each job takes; the others are refused."""
FIELDS = {"rate": "rate_wpm", "hfov": "hfov_deg"}
"""Flags whose job option has another name (``--no-filter`` sets ``filtered`` off)."""
N_FAILURES_SHOWN = 20


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="run lipsync, track, say or render over a folder or manifest, on Ray",
        description="Runs one single-file command on every input of a folder or manifest, in "
        "parallel on Ray (a local runtime on this machine's cores by default, or an existing "
        "cluster with --ray-address). Each output is the single-file command's (up to float "
        "rounding in the last digits). Finished outputs are recorded, so a re-run skips them "
        "and an interrupted batch loses at most the files in flight. A bad input is reported "
        "and the others go on; OUTDIR/batch-summary.json lists what was done, skipped and "
        "failed. Exit status 0 when nothing failed, 1 otherwise.",
        epilog="Manifest columns (CSV header or JSONL keys): path, text, consent, context, name. "
        "Example: likeness batch lines/ -o anim/ --job lipsync --workers 2",
    )
    parser.add_argument("input", metavar="INPUT",
                        help="a folder (every file the job reads, recursively) or a .csv/.jsonl "
                        "manifest")
    parser.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                        help="output folder; outputs keep the inputs' relative names")
    parser.add_argument("--job", required=True, choices=tuple(JOBS), help="the command to run: "
                        + "; ".join(f"{job.name}: {job.summary}" for job in JOBS.values()))
    parser.add_argument("--ray-address", metavar="ADDRESS",
                        help="an existing Ray cluster: 'auto' (this node joined it with "
                        "`ray start`) or ray://HEAD:10001 (default: a local runtime)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="files processed at once (default: every core, or the cluster's CPUs)")
    parser.add_argument("--consent", metavar="GRANT",
                        help="consent grant for inputs whose manifest row names none")
    parser.add_argument("--context", metavar="USE",
                        help="the use the outputs are for, for rows that name none")
    parser.add_argument("--summary", metavar="JSON",
                        help="where to write the summary (default OUTDIR/batch-summary.json)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    jobs = parser.add_argument_group("job options (as in the single-file commands)")
    jobs.add_argument("--fps", type=float,
                      help="lipsync, say: frame rate (default 60); render: of the animations "
                      "and the video (default: from each file)")
    jobs.add_argument("--format", help="lipsync, say, track: csv (Live Link Face, default) or "
                      "json; say also writes its speech as NAME.wav. render: mp4 (default; with "
                      "NAME.wav beside NAME.csv as its sound), gif or png")
    jobs.add_argument("--voice", help="say: espeak-ng voice (default en-us)")
    jobs.add_argument("--rate", type=int, metavar="WPM",
                      help="say: words per minute, 80..450 (default 175)")
    jobs.add_argument("--max-faces", type=int, metavar="N",
                      help="track: most faces per video (default 1; others go to NAME.face1...)")
    jobs.add_argument("--no-filter", action="store_const", const=True,
                      help="track: raw per-frame solves, without One Euro smoothing")
    jobs.add_argument("--hfov", type=float, metavar="DEG",
                      help="track: the camera's horizontal field of view (default 60)")
    jobs.add_argument("--size", type=int, metavar="N", help="render: N x N pixels (default 512)")
    jobs.add_argument("--avatar", metavar="FILE.glb",
                      help="render: a glTF avatar with ARKit morph targets (a real person's "
                      "likeness: every input then needs a consent grant)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.batch import read_inputs, run_batch
    from likeness.batch.inputs import SUMMARY_NAME

    job = job_from_args(args)
    outdir = Path(args.output)
    items = read_inputs(args.input, suffixes=job.input_suffixes, exclude=outdir)
    default_consent = Path(args.consent).resolve() if args.consent else None
    items = [dataclasses.replace(item, consent=item.consent or default_consent,
                                 context=item.context or args.context) for item in items]
    summary = run_batch(items, job, outdir, ray_address=args.ray_address,
                        n_workers=args.workers, summary_path=args.summary,
                        progress=not args.no_progress)
    totals = summary["totals"]
    print(f"likeness batch: {totals['n_done']} done, {totals['n_skipped']} already done, "
          f"{totals['n_failed']} failed in {totals['wall_s']:.1f} s; summary in "
          f"{args.summary or outdir / SUMMARY_NAME}", file=sys.stderr)
    for failure in summary["failed"][:N_FAILURES_SHOWN]:
        print(f"  failed: {failure['input'] or failure['name']}: {failure['error']}",
              file=sys.stderr)
    if totals["n_failed"] > N_FAILURES_SHOWN:
        print(f"  ... and {totals['n_failed'] - N_FAILURES_SHOWN} more (see the summary)",
              file=sys.stderr)
    return 1 if totals["n_failed"] else 0


def job_from_args(args: argparse.Namespace) -> BatchJob:
    """The ``--job`` with its options from the job-option flags (defaults where not given);
    InputError for a flag of another job or a value the job refuses."""
    takes = JOB_FLAGS[args.job]
    every = sorted({flag for flags in JOB_FLAGS.values() for flag in flags})
    stray = ["--" + dest.replace("_", "-") for dest in every
             if getattr(args, dest) is not None and dest not in takes]
    if stray:
        raise InputError(f"{', '.join(stray)}: not an option of the {args.job} job")
    given = {FIELDS.get(flag, flag): getattr(args, flag) for flag in takes
             if flag != "no_filter" and getattr(args, flag) is not None}
    if args.no_filter:
        given["filtered"] = False
    return JOBS[args.job](**given)
