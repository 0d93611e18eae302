"""The jobs a batch can run: each a single-file command's work on one input, done by the library
functions that command calls.

A job is a frozen dataclass of its options (:class:`LipsyncJob`, :class:`SayJob`,
:class:`TrackJob`, :class:`RenderJob`), checked when it is made, so a bad option fails the batch
once instead of every file; as a dict (:meth:`BatchJob.as_dict`, JSON-able) the options key the
ledger. Each input's output goes through a consent guard made from that input's own grant and
context (:func:`likeness.trust.output_guard`), so consent, provenance and audit apply per file
exactly as in the single-file command, whose output it is, up to float rounding. A job that
fails on an input raises, and that input is recorded as failed.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from likeness.batch.inputs import BatchItem
from likeness.errors import InputError

if TYPE_CHECKING:
    from likeness.trust.guard import OutputGuard

ANIMATION_FORMATS = ("csv", "json")
VIDEO_FORMATS = ("mp4", "gif", "png")
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".aac", ".opus")
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
TEXT_SUFFIXES = (".txt",)


class BatchJob:
    """What every job has.

    name: the ``--job`` value, and the single-file command whose work it does.
    summary: one line for ``--help``.
    input_suffixes: extensions picked up when the input is a folder.
    format: the output's extension, without the dot (every job's option).
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    input_suffixes: ClassVar[tuple[str, ...]]
    format: str

    @property
    def output_suffix(self) -> str:
        """The output file's extension."""
        return "." + self.format

    def as_dict(self) -> dict[str, Any]:
        """The options, JSON-able: part of every output's key, and of the batch's summary."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    def side_inputs(self, item: BatchItem) -> list[Path]:
        """Other files the job reads for ``item``; their content is part of the output's key."""
        return []

    def likeness(self) -> str | None:
        """The likeness every output shows (None: the built-in synthetic avatar)."""
        return None

    def process(self, item: BatchItem, output: Path) -> list[Path]:
        """Do the job for ``item`` under a guard for its grant and context; returns every file
        it wrote, ``output`` first."""
        from likeness.trust.guard import output_guard

        guard = output_guard(self.likeness(), grant=item.consent, context=item.context)
        companions = self.run(item, output, guard)
        if not output.is_file():
            raise InputError(f"{item.path or item.name}: the {self.name} job wrote no "
                             f"{output.name}")
        return [output, *companions]

    def run(self, item: BatchItem, output: Path, guard: OutputGuard) -> list[Path]:
        """Write ``output`` for ``item`` through ``guard``; returns the other files written."""
        raise NotImplementedError


def _input(item: BatchItem, job: str) -> str:
    """The item's input file, or an InputError for a manifest row that gives only text."""
    if item.path is None:
        raise InputError(f"{item.name}: the {job} job needs an input file, the row gives none")
    return str(item.path)


def _check_format(value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InputError(f"format must be one of {', '.join(choices)} for this job, got {value!r}")


def _check_fps(fps: float) -> None:
    if not (math.isfinite(fps) and 1.0 <= fps <= 240.0):
        raise InputError(f"fps must be in 1..240, got {fps}")


@dataclasses.dataclass(frozen=True)
class LipsyncJob(BatchJob):
    """Speech audio (+ transcript) -> lip-synced animation, as ``likeness lipsync``.

    fps: frame rate of the takes.
    format: ``csv`` (Live Link Face) or ``json``.
    """

    name: ClassVar[str] = "lipsync"
    summary: ClassVar[str] = "speech audio (+ transcript) -> lip-synced animation"
    input_suffixes: ClassVar[tuple[str, ...]] = AUDIO_SUFFIXES
    fps: float = 60.0
    format: str = "csv"

    def __post_init__(self) -> None:
        object.__setattr__(self, "fps", float(self.fps))
        _check_fps(self.fps)
        _check_format(self.format, ANIMATION_FORMATS)

    def side_inputs(self, item: BatchItem) -> list[Path]:
        """Without a transcript in the manifest, NAME.txt beside NAME.wav (as games keep them)."""
        if item.text is not None or item.path is None:
            return []
        return [p for p in (item.path.with_suffix(".txt"),) if p.is_file()]

    def run(self, item: BatchItem, output: Path, guard: OutputGuard) -> list[Path]:
        from likeness.fileio import existing_file
        from likeness.formats import write_animation
        from likeness.speech.lipsync import lipsync_file

        audio = _input(item, self.name)
        transcripts = self.side_inputs(item)
        text = (existing_file(transcripts[0], "transcript file").read_text(encoding="utf-8")
                if transcripts else item.text)
        animation = lipsync_file(audio, text=text, fps=self.fps)
        write_animation(animation, output, guard=guard, ingredients=[audio])
        return []


@dataclasses.dataclass(frozen=True)
class SayJob(BatchJob):
    """Lines of text -> speech (NAME.wav beside the take) and talking-face animation, as
    ``likeness say``.

    fps: frame rate of the takes.
    format: ``csv`` (Live Link Face) or ``json``.
    voice: espeak-ng voice.
    rate_wpm: speaking rate, words per minute.
    """

    name: ClassVar[str] = "say"
    summary: ClassVar[str] = "lines of text -> speech (.wav) and talking-face animation"
    input_suffixes: ClassVar[tuple[str, ...]] = TEXT_SUFFIXES
    fps: float = 60.0
    format: str = "csv"
    voice: str = "en-us"
    rate_wpm: int = 175

    def __post_init__(self) -> None:
        from likeness.speech.tts import MAX_RATE_WPM, MIN_RATE_WPM

        object.__setattr__(self, "fps", float(self.fps))
        _check_fps(self.fps)
        _check_format(self.format, ANIMATION_FORMATS)
        if not MIN_RATE_WPM <= self.rate_wpm <= MAX_RATE_WPM:
            raise InputError(f"rate_wpm must be {MIN_RATE_WPM}..{MAX_RATE_WPM} words per minute, "
                             f"got {self.rate_wpm}")

    def run(self, item: BatchItem, output: Path, guard: OutputGuard) -> list[Path]:
        from likeness.formats import write_animation
        from likeness.sources.audio import write_wav
        from likeness.speech.lipsync import say

        line = _line(item)
        animation, speech = say(line, voice=self.voice, rate_wpm=self.rate_wpm, fps=self.fps)
        write_animation(animation, output, guard=guard, ingredients=[line.encode("utf-8")])
        wav = output.with_suffix(".wav")
        write_wav(wav, speech.pcm, speech.sample_rate_hz)
        return [wav]


def _line(item: BatchItem) -> str:
    """The line to say: the row's text, else the .txt file's content (outer blank space off)."""
    if item.text is not None:
        return item.text
    try:
        return Path(_input(item, "say")).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{item.path}: cannot read the line to say ({e})") from e


@dataclasses.dataclass(frozen=True)
class TrackJob(BatchJob):
    """Videos -> tracked ARKit-52 animation, head pose and gaze, as ``likeness track``.

    format: ``csv`` (Live Link Face) or ``json``.
    max_faces: most faces per video; the others go to NAME.face1, NAME.face2...
    filtered: One Euro smoothing (False: raw per-frame solves).
    hfov_deg: the camera's horizontal field of view, degrees (None: 60).
    """

    name: ClassVar[str] = "track"
    summary: ClassVar[str] = "videos -> tracked ARKit-52 animation, head pose and gaze"
    input_suffixes: ClassVar[tuple[str, ...]] = VIDEO_SUFFIXES
    format: str = "csv"
    max_faces: int = 1
    filtered: bool = True
    hfov_deg: float | None = None

    def __post_init__(self) -> None:
        _check_format(self.format, ANIMATION_FORMATS)
        if self.max_faces < 1:
            raise InputError(f"max_faces must be at least 1, got {self.max_faces}")
        if self.hfov_deg is not None and not 1.0 <= self.hfov_deg <= 179.0:
            raise InputError(f"hfov_deg must be in 1..179 degrees, got {self.hfov_deg}")

    def run(self, item: BatchItem, output: Path, guard: OutputGuard) -> list[Path]:
        from likeness.formats import write_animation
        from likeness.solve import PinholeCamera, SolverOptions
        from likeness.track import TrackingOptions, track_takes
        from likeness.track.video import output_paths

        video = _input(item, self.name)
        camera = PinholeCamera() if self.hfov_deg is None else PinholeCamera(self.hfov_deg)
        takes = track_takes(video, TrackingOptions(max_faces=self.max_faces, filtered=self.filtered,
                                                   solver=SolverOptions(camera=camera)))
        if not takes:
            raise InputError(f"{video}: no face found in any frame; nothing written")
        paths = output_paths(output, len(takes))
        for take, path in zip(takes, paths, strict=True):
            write_animation(take.animation, path, guard=guard, ingredients=[video])
        return paths[1:]


@dataclasses.dataclass(frozen=True)
class RenderJob(BatchJob):
    """Animations (+ NAME.wav beside each, for an .mp4) -> videos of the avatar, as
    ``likeness render``.

    format: ``mp4``, ``gif`` or ``png``.
    size: width and height, pixels.
    fps: frame rate of the animations and the video (None: each file's).
    avatar: a glTF avatar file (None: the built-in one). A real person's likeness: every
        input then needs a consent grant for it.
    """

    name: ClassVar[str] = "render"
    summary: ClassVar[str] = "animations (+ NAME.wav beside each) -> videos of the avatar"
    input_suffixes: ClassVar[tuple[str, ...]] = (".csv", ".json")
    format: str = "mp4"
    size: int = 512
    fps: float | None = None
    avatar: str | None = None

    def __post_init__(self) -> None:
        _check_format(self.format, VIDEO_FORMATS)
        if not 16 <= self.size <= 4096:
            raise InputError(f"size must be 16..4096 pixels, got {self.size}")
        if self.fps is not None:
            object.__setattr__(self, "fps", float(self.fps))
            _check_fps(self.fps)
        if self.avatar is not None:
            from likeness.fileio import existing_file

            object.__setattr__(self, "avatar", str(existing_file(self.avatar, "avatar").resolve()))

    def side_inputs(self, item: BatchItem) -> list[Path]:
        """The avatar, and for an .mp4 the speech beside the animation (NAME.wav for NAME.csv,
        as the say job leaves it)."""
        files = [] if self.avatar is None else [Path(self.avatar)]
        return files + self._audio(item)

    def _audio(self, item: BatchItem) -> list[Path]:
        if item.path is None or self.format != "mp4":
            return []
        return [p for p in (item.path.with_suffix(s) for s in AUDIO_SUFFIXES) if p.is_file()][:1]

    def likeness(self) -> str | None:
        return self.avatar

    def run(self, item: BatchItem, output: Path, guard: OutputGuard) -> list[Path]:
        from likeness.formats import read_animation
        from likeness.render.video import render_video

        take = _input(item, self.name)
        animation = read_animation(take, fps=self.fps)
        audio = self._audio(item)
        avatar = None
        if self.avatar is not None:
            from likeness.avatar.gltf import read_glb

            avatar = read_glb(self.avatar)
        render_video(animation, output, guard=guard, ingredients=[take, *audio],
                     audio_path=audio[0] if audio else None, avatar=avatar, size=self.size,
                     fps=self.fps, progress=False)
        return []


JOBS: dict[str, type[BatchJob]] = {job.name: job for job in (LipsyncJob, SayJob, TrackJob,
                                                               RenderJob)}
"""Every job by its ``--job`` name."""
