"""Audio sources: files in any format FFmpeg reads (through PyAV) and the microphone.

Everything comes out as float32 mono in -1..1 at one working rate, which is what the speech
stage consumes. Both sources share the ``open / read / close`` shape and are context managers;
``read()`` returns the next chunk, or ``None`` at the end (of the file, of ``duration_s`` of
audio, or once the microphone is closed).
"""

from __future__ import annotations

import logging
import os
import queue
from pathlib import Path
from typing import Any

import numpy as np

from likeness.errors import InputError, SourceError
from likeness.fileio import existing_file

log = logging.getLogger(__name__)

WORKING_RATE_HZ = 16000
"""The rate the speech stage works at (pocketsphinx's acoustic model is 16 kHz)."""

MIC_INSTALL_LINE = (".venv/bin/pip install sounddevice==0.5.6 and the PortAudio library "
                    "(make system, or apt-get install libportaudio2)")


def read_audio(path: str | os.PathLike[str], *, sr: int = WORKING_RATE_HZ) -> np.ndarray:
    """Decode a whole audio file (WAV, FLAC, MP3, OGG, or the audio of a video) to mono.

    Parameters
    ----------
    path : path-like
        The file. Any sample rate and channel count.
    sr : int
        Output sample rate in Hz.

    Returns
    -------
    ndarray, float32, shape (n,)
        Samples in -1..1 at ``sr``; channels are averaged.

    Raises
    ------
    InputError
        The file is missing, empty, corrupt or holds no audio stream.
    """
    with AudioFileSource(path, sr=sr, chunk_s=None) as source:
        chunks = []
        while (chunk := source.read()) is not None:
            chunks.append(chunk)
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


class AudioFileSource:
    """Chunks of a decoded audio file, resampled to mono float32 at ``sr``.

    Parameters
    ----------
    path : path-like
    sr : int
        Output rate in Hz.
    chunk_s : float or None
        Seconds per chunk returned by :meth:`read`; ``None`` returns whatever the decoder gives.
    duration_s : float, optional
        End after the chunk that reaches this much audio, seconds (None: at the end of the file).
    """

    def __init__(self, path: str | os.PathLike[str], *, sr: int = WORKING_RATE_HZ,
                 chunk_s: float | None = 0.02, duration_s: float | None = None) -> None:
        if sr <= 0:
            raise InputError(f"sample rate must be positive, got {sr}")
        self.path = Path(path)
        self.sr = sr
        self.chunk_n = None if chunk_s is None else max(1, int(round(chunk_s * sr)))
        self._limit = _Limit(sr, duration_s)
        self._container: Any = None
        self._frames: Any = None
        self._pending = np.zeros(0, np.float32)
        self._ended = False

    def open(self) -> AudioFileSource:
        import av

        existing_file(self.path, "audio file")
        try:
            self._container = av.open(str(self.path))
        except (av.FFmpegError, UnicodeDecodeError) as e:
            raise InputError(f"{self.path}: not a readable audio file ({e})") from e
        if not self._container.streams.audio:
            self.close()
            raise InputError(f"{self.path}: expected an audio stream, found none")
        stream = self._container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=self.sr)
        self._frames = self._decode(stream, resampler)
        return self

    def _decode(self, stream: Any, resampler: Any) -> Any:
        import av

        try:
            for frame in self._container.decode(stream):
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(-1)
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(-1)
        except av.FFmpegError as e:
            raise InputError(f"{self.path}: corrupt audio ({e})") from e

    def read(self) -> np.ndarray | None:
        """The next chunk (float32 mono, ``chunk_s`` long except the last), ``None`` at the end."""
        if self._frames is None:
            raise SourceError(f"{self.path}: read() before open()")
        want = self.chunk_n or 1
        while len(self._pending) < want and not self._ended:
            try:
                self._pending = np.concatenate([self._pending, next(self._frames)])
            except StopIteration:
                self._ended = True
        if not len(self._pending) or self._limit.reached():
            return None
        n = len(self._pending) if self.chunk_n is None else min(self.chunk_n, len(self._pending))
        chunk, self._pending = self._pending[:n], self._pending[n:]
        return self._limit.count(chunk.astype(np.float32, copy=False))

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None

    def __enter__(self) -> AudioFileSource:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


class MicSource:
    """The default microphone (through ``sounddevice``), as float32 mono chunks at ``sr``.

    ``sounddevice`` is optional; opening without it raises :class:`SourceError` with the
    install line. ``duration_s`` (seconds of audio, None: until closed) ends it.
    """

    def __init__(self, *, sr: int = WORKING_RATE_HZ, chunk_s: float = 0.02,
                 device: int | str | None = None, duration_s: float | None = None) -> None:
        self.sr = sr
        self.chunk_n = max(1, int(round(chunk_s * sr)))
        self.device = device
        self._limit = _Limit(sr, duration_s)
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=500)
        self._stream: Any = None

    def open(self) -> MicSource:
        try:
            import sounddevice
        except (ImportError, OSError) as e:
            raise SourceError(f"the microphone needs the sounddevice package and the PortAudio "
                              f"library ({e}): {MIC_INSTALL_LINE}") from e

        def push(indata: np.ndarray, n_frames: int, time: Any, status: Any) -> None:
            if status:
                log.warning("microphone: %s", status)
            try:
                self._queue.put_nowait(indata[:, 0].copy())
            except queue.Full:
                log.warning("microphone: consumer too slow, dropped %d samples", n_frames)

        try:
            self._stream = sounddevice.InputStream(
                samplerate=self.sr, channels=1, dtype="float32", blocksize=self.chunk_n,
                device=self.device, callback=push,
            )
            self._stream.start()
        except Exception as e:  # PortAudio raises its own types, plus OSError without a device
            name = self.device or "(default)"
            raise SourceError(f"could not open the microphone {name}: {e}") from e
        return self

    def read(self) -> np.ndarray | None:
        """The next chunk, waiting for the microphone to deliver it; None once closed or past
        ``duration_s``."""
        if self._stream is None or self._limit.reached():
            return None
        return self._limit.count(self._queue.get())

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def __enter__(self) -> MicSource:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Limit:
    """Counts the samples a source has given, against its ``duration_s`` (None: no limit)."""

    def __init__(self, sr: int, duration_s: float | None) -> None:
        if duration_s is not None and not duration_s > 0:
            raise InputError(f"duration_s must be a positive number of seconds, got {duration_s}")
        self.n_max = None if duration_s is None else duration_s * sr
        self.n_given = 0

    def reached(self) -> bool:
        return self.n_max is not None and self.n_given >= self.n_max

    def count(self, chunk: np.ndarray) -> np.ndarray:
        self.n_given += len(chunk)
        return chunk


def write_wav(path: str | os.PathLike[str], pcm: np.ndarray, sr: int) -> None:
    """Write mono float audio in -1..1 as a 16-bit PCM WAV, atomically."""
    import wave

    from likeness.fileio import atomic_output

    samples = (np.clip(np.asarray(pcm, np.float32), -1.0, 1.0) * 32767.0).astype("<i2")
    with atomic_output(path) as tmp, wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(sr))
        out.writeframes(samples.tobytes())
