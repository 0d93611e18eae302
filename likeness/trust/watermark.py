"""An invisible, tiled spread-spectrum watermark that carries a 32-bit output id in video frames.

The scheme (after Kalker et al.'s JAWS video watermark, with a separate sync pattern):

* A **tile** of 32 x 32 *chips*, each chip 4 x 4 pixels, so a tile is 128 x 128 pixels. 1024 chips
  are split once, by a fixed seed, into 480 *data* chips and 544 *sync* chips. Sync chips carry a
  fixed pseudo-random ±1 sequence; data chips carry the 48-bit codeword (32-bit id + CRC-16),
  each bit spread over 10 chips with its own pseudo-random signs (repetition code, soft-decoded).
* The chips are smoothed by a Gaussian (circularly, so the tile stays periodic) and the tile is
  repeated over the whole frame from its top-left corner. Each frame gets
  ``luma += strength * mask * pattern``, where ``mask`` follows local texture (more where the
  picture is busy and hides it, less on flat areas). The same value is added to R, G and B, which
  changes luma by exactly that value and leaves chroma alone.
* **Informed embedding**: the embedder runs the detector's own analysis on the frame, measures
  how the picture pushes each codeword bit, and boosts (up to :data:`MAX_BIT_GAIN` times) the
  chips of the bits the picture works against, so the picture interferes less with decoding.
* **Detection** averages the luma of a clip's frames: the picture moves between frames while the
  watermark does not, so the average keeps the watermark and blurs the picture. Scaling is
  undone by a search over scales (a geometric grid from 0.45 to 1.1, then a fine grid around
  the best three): the high-passed average is resampled to nominal size and *folded* (averaged
  modulo 128 x 128). Cropping only shifts the tile cyclically, so a phase-only circular
  cross-correlation with the sync pattern finds the shift; its peak, as a z-score against all
  128 x 128 shifts, is the detection statistic. The data chips are then read at that shift and
  soft-decoded; if the hard decisions fail the CRC-16, the 16 flips of the 4 least reliable bits
  are tried (Chase decoding) and the most likely one that passes is kept.

A clip counts as watermarked when the sync z-score reaches :data:`Z_THRESHOLD` and the CRC
matches. The threshold and the measured robustness and false-positive rates are in
``docs/watermark.md``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from likeness.errors import InputError, ProvenanceError

TILE_CHIPS = 32
CHIP_PX = 4
TILE_PX = TILE_CHIPS * CHIP_PX
N_ID_BITS = 32
N_CRC_BITS = 16
N_CODE_BITS = N_ID_BITS + N_CRC_BITS
N_REPEAT = 10
N_DATA_CHIPS = N_CODE_BITS * N_REPEAT
CHIP_SIGMA_PX = 1.3
SEED = 0x1CE_2026

# Detection: high-pass scale (nominal pixels), the scales searched (coarse geometric grid, then a
# fine one around the best coarse ones) and the z-score a sync peak must exceed (see
# docs/watermark.md for how it was derived).
HIGHPASS_SIGMA_PX = 3.0
MIN_SCALE, MAX_SCALE = 0.45, 1.1
COARSE_STEP, FINE_STEP, FINE_SPAN = 0.015, 0.0025, 0.015
N_COARSE_KEPT = 3
Z_THRESHOLD = 5.5
# Chase decoding: when the hard decision fails the CRC, also try flipping every subset of the
# N_CHASE_BITS least reliable bits (2**N_CHASE_BITS candidates, each a chance for noise to pass).
N_CHASE_BITS = 4
# Informed embedding: each data bit's decoded margin is raised to this multiple of the typical
# watermark-only margin by boosting that bit's chips, at most MAX_BIT_GAIN times.
TARGET_MARGIN = 1.5
MAX_BIT_GAIN = 2.5


@dataclass(frozen=True)
class WatermarkOptions:
    """How strongly to embed.

    strength: pattern amplitude in 8-bit luma levels on an average-texture area.
    mask_min, mask_max: bounds of the texture mask that scales ``strength`` per pixel.
    """

    strength: float = 3.0
    mask_min: float = 0.6
    mask_max: float = 2.0

    def __post_init__(self) -> None:
        if not (0 < self.strength <= 20):
            raise InputError(f"watermark strength must be in (0, 20] levels, got {self.strength}")
        if not (0 < self.mask_min <= self.mask_max):
            raise InputError(
                "watermark mask bounds must satisfy 0 < min <= max, "
                f"got {self.mask_min}, {self.mask_max}"
            )


class Detection(NamedTuple):
    """What :func:`detect` found: the id (None if no watermark) and a confidence in [0, 1]."""

    id: int | None
    confidence: float


@dataclass(frozen=True)
class DetectionReport:
    """Everything the detector measured on a clip.

    id: decoded id, or None when the clip is judged unmarked.
    confidence: 1 - (estimated chance that an unmarked clip scores this high), in [0, 1].
    z: sync peak z-score over all shifts (the detection statistic).
    crc_ok: whether the decoded codeword's CRC-16 matched.
    scale: estimated size of the clip relative to the marked original (0.5 = half size).
    shift_px: (dy, dx) of the tile in nominal pixels.
    code_bits: the 48 decoded codeword bits (after Chase decoding).
    raw_chip_error_rate: fraction of data chips whose sign disagrees with the decoded codeword.
    n_frames: frames used.
    """

    id: int | None
    confidence: float
    z: float
    crc_ok: bool
    scale: float
    shift_px: tuple[int, int]
    code_bits: np.ndarray
    raw_chip_error_rate: float
    n_frames: int


# --- payload coding ---------------------------------------------------------------------------


def crc16(bits: np.ndarray) -> np.ndarray:
    """CRC-16-CCITT (poly 0x1021, init 0xFFFF) of a bit array, as 16 bits, MSB first."""
    reg = 0xFFFF
    for bit in bits.astype(np.uint8):
        top = ((reg >> 15) & 1) ^ int(bit)
        reg = (reg << 1) & 0xFFFF
        if top:
            reg ^= 0x1021
    return np.array([(reg >> (15 - i)) & 1 for i in range(16)], np.uint8)


def id_to_bits(output_id: int) -> np.ndarray:
    """The 32 bits of ``output_id`` (0 <= id < 2**32), MSB first."""
    if not (0 <= output_id < 2**N_ID_BITS):
        raise InputError(f"watermark id must be in [0, 2**32), got {output_id}")
    return np.array([(output_id >> (N_ID_BITS - 1 - i)) & 1 for i in range(N_ID_BITS)], np.uint8)


def bits_to_id(bits: np.ndarray) -> int:
    """Inverse of :func:`id_to_bits`."""
    return int("".join(str(int(b)) for b in bits[:N_ID_BITS]), 2)


def encode_codeword(output_id: int) -> np.ndarray:
    """The 48-bit codeword: id then CRC-16 of the id."""
    bits = id_to_bits(output_id)
    return np.concatenate([bits, crc16(bits)])


# --- the tile ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Which chips carry sync and which carry which data bit, with their spreading signs."""

    sync_mask: np.ndarray  # bool[32, 32]
    sync_signs: np.ndarray  # float32[32, 32], ±1 on sync chips, 0 elsewhere
    data_bit: np.ndarray  # int[32, 32], codeword bit index on data chips, -1 elsewhere
    data_signs: np.ndarray  # float32[32, 32], ±1 on data chips, 0 elsewhere


@lru_cache(maxsize=1)
def _layout() -> _Layout:
    """The fixed chip layout, drawn once from :data:`SEED`."""
    rng = np.random.default_rng(SEED)
    order = rng.permutation(TILE_CHIPS * TILE_CHIPS)
    data_bit = np.full(TILE_CHIPS * TILE_CHIPS, -1, np.int64)
    data_bit[order[:N_DATA_CHIPS]] = np.arange(N_DATA_CHIPS) % N_CODE_BITS
    signs = rng.choice(np.array([-1.0, 1.0], np.float32), size=TILE_CHIPS * TILE_CHIPS)
    data_bit = data_bit.reshape(TILE_CHIPS, TILE_CHIPS)
    signs = signs.reshape(TILE_CHIPS, TILE_CHIPS)
    sync_mask = data_bit < 0
    return _Layout(
        sync_mask=sync_mask,
        sync_signs=np.where(sync_mask, signs, 0).astype(np.float32),
        data_bit=data_bit,
        data_signs=np.where(sync_mask, 0, signs).astype(np.float32),
    )


@lru_cache(maxsize=1)
def _chip_kernel_tf() -> np.ndarray:
    """Transfer function of 'spread a chip over its 4x4 block, Gaussian-smooth' (circular)."""
    f = np.fft.fftfreq(TILE_PX)
    gauss = np.exp(-2 * (math.pi * CHIP_SIGMA_PX) ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))
    box = np.zeros((TILE_PX, TILE_PX))
    box[:CHIP_PX, :CHIP_PX] = 1.0
    return np.fft.fft2(box) * gauss


def _render_chips(chips: np.ndarray) -> np.ndarray:
    """A 128x128 periodic tile from a 32x32 chip array (one impulse per chip, then the kernel)."""
    impulses = np.zeros((TILE_PX, TILE_PX))
    impulses[::CHIP_PX, ::CHIP_PX] = chips
    return np.real(np.fft.ifft2(np.fft.fft2(impulses) * _chip_kernel_tf()))


def _chips(output_id: int, bit_gains: np.ndarray | None = None) -> np.ndarray:
    """The 32x32 chip amplitudes carrying ``output_id`` (data chips of bit j scaled by gain j)."""
    layout = _layout()
    code = encode_codeword(output_id).astype(np.float64) * 2 - 1
    gains = np.ones(N_CODE_BITS) if bit_gains is None else bit_gains
    per_bit = code * gains
    return layout.sync_signs + layout.data_signs * np.where(
        layout.data_bit >= 0, per_bit[np.clip(layout.data_bit, 0, None)], 0
    )


@lru_cache(maxsize=1)
def _unit_scale() -> float:
    """Scale that gives the plain tile (all gains 1) a unit peak."""
    return float(1.0 / np.abs(_render_chips(_chips(0))).max())


def _tiled(tile: np.ndarray, height: int, width: int) -> np.ndarray:
    """``tile`` repeated over a ``height`` x ``width`` frame from its top-left corner, float32."""
    reps = (-(-height // TILE_PX), -(-width // TILE_PX))
    return np.ascontiguousarray(np.tile(tile.astype(np.float32), reps)[:height, :width])


@lru_cache(maxsize=8)
def _tiled_plain(output_id: int, height: int, width: int) -> np.ndarray:
    """The tile for ``output_id`` with all bit gains 1, repeated over a frame."""
    return _tiled(_render_chips(_chips(output_id)), height, width)


# --- analysis shared by the embedder and the detector -----------------------------------------


def _highpass(gray: np.ndarray, sigma_px: float = HIGHPASS_SIGMA_PX) -> np.ndarray:
    """Luma minus its Gaussian blur, clipped at 3 robust standard deviations (edges dominate)."""
    import cv2

    hp = gray - cv2.GaussianBlur(gray, (0, 0), sigma_px)
    # The median of a 1-in-16 subsample is as good an estimate and 16 times cheaper.
    limit = 3 * 1.4826 * float(np.median(np.abs(hp[::4, ::4]))) + 1e-6
    return np.clip(hp, -limit, limit)


@lru_cache(maxsize=1)
def _highpass_tf() -> np.ndarray:
    """Transfer function of :func:`_highpass` (without clipping) on one periodic tile."""
    f = np.fft.fftfreq(TILE_PX)
    return 1 - np.exp(-2 * (math.pi * HIGHPASS_SIGMA_PX) ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))


def _fold(image: np.ndarray) -> np.ndarray:
    """Average of ``image`` folded modulo the 128x128 tile."""
    total = np.zeros((TILE_PX, TILE_PX))
    counts = np.zeros((TILE_PX, TILE_PX))
    for y in range(0, image.shape[0], TILE_PX):
        for x in range(0, image.shape[1], TILE_PX):
            block = image[y : y + TILE_PX, x : x + TILE_PX]
            total[: block.shape[0], : block.shape[1]] += block
            counts[: block.shape[0], : block.shape[1]] += 1
    return total / np.maximum(counts, 1)


@lru_cache(maxsize=1)
def _sync_template_tf() -> np.ndarray:
    """Conjugate spectrum of the rendered sync chips, for cross-correlation."""
    return np.conj(np.fft.fft2(_render_chips(_layout().sync_signs)))


def _chip_values(spectrum: np.ndarray, shift: tuple[int, int]) -> np.ndarray:
    """Matched-filter output at each chip of the tile placed at ``shift``, float[32, 32]."""
    matched = np.real(np.fft.ifft2(spectrum * np.conj(_chip_kernel_tf())))
    return np.roll(matched, (-shift[0], -shift[1]), axis=(0, 1))[::CHIP_PX, ::CHIP_PX]


def _soft_bits(spectrum: np.ndarray, shift: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Soft codeword values: per bit, the sum over its chips of matched filter output x sign."""
    layout = _layout()
    on_data = layout.data_bit >= 0
    weighted = (_chip_values(spectrum, shift) * layout.data_signs)[on_data]
    return np.bincount(layout.data_bit[on_data], weights=weighted, minlength=N_CODE_BITS)


def _raw_chip_errors(spectrum: np.ndarray, shift: tuple[int, int], bits: np.ndarray) -> float:
    """Fraction of data chips whose sign disagrees with ``bits``."""
    layout = _layout()
    on_data = layout.data_bit >= 0
    expected = (bits.astype(np.float64) * 2 - 1)[layout.data_bit[on_data]]
    return float(
        np.mean(np.sign((_chip_values(spectrum, shift) * layout.data_signs)[on_data]) != expected)
    )


# --- embedding --------------------------------------------------------------------------------


def _amplitude(gray: np.ndarray, options: WatermarkOptions) -> np.ndarray:
    """Per-pixel pattern amplitude in luma levels: ``strength`` scaled by local texture."""
    import cv2

    # Local contrast (mean absolute deviation from a 7x7 mean) decides how much pattern the
    # picture can hide; ~6 levels is a typical textured area, where the mask is 1.
    contrast = cv2.blur(np.abs(gray - cv2.blur(gray, (7, 7))), (7, 7))
    return (options.strength * _unit_scale()) * np.clip(
        contrast * (1 / 6.0), options.mask_min, options.mask_max
    )


def _bit_gains(gray: np.ndarray, amplitude: np.ndarray, output_id: int) -> np.ndarray:
    """Per-bit chip gains lifting each bit's decoded margin over what the picture works against."""
    height, width = gray.shape
    # What the detector would see: the host's fold and the watermark's fold, whitened together.
    host = np.fft.fft2(_fold(_highpass(gray)))
    mark = np.fft.fft2(_fold(amplitude * _tiled_plain(output_id, height, width))) * _highpass_tf()
    norm = np.abs(host + mark) + 1e-9
    signs = encode_codeword(output_id).astype(np.float64) * 2 - 1
    host_margin = signs * _soft_bits(host / norm)
    mark_margin = np.maximum(signs * _soft_bits(mark / norm), 1e-12)
    target = TARGET_MARGIN * float(np.median(mark_margin))
    return np.clip((target - host_margin) / mark_margin, 1.0, MAX_BIT_GAIN)


def _check_frame(frame_rgb: np.ndarray) -> None:
    """InputError unless ``frame_rgb`` is a uint8 RGB frame of at least 256 x 256."""
    if frame_rgb.dtype != np.uint8 or frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3:
        raise InputError(
            "watermark embed expects a uint8 HxWx3 RGB frame, "
            f"got {frame_rgb.dtype} {frame_rgb.shape}"
        )
    if min(frame_rgb.shape[:2]) < 2 * TILE_PX:
        raise InputError(
            "watermark embed needs frames of at least 256x256, "
            f"got {frame_rgb.shape[1]}x{frame_rgb.shape[0]}"
        )


def _add_luma(frame_rgb: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """``frame_rgb`` with ``delta`` added to R, G and B alike (rounded, saturated)."""
    import cv2

    return cv2.add(frame_rgb, cv2.merge([delta, delta, delta]), dtype=cv2.CV_8U)


def embed(
    frame_rgb: np.ndarray, output_id: int, *, options: WatermarkOptions = WatermarkOptions()
) -> np.ndarray:
    """Return a copy of ``frame_rgb`` carrying ``output_id`` invisibly.

    The embedder is *informed*: it runs the detector's analysis on the frame, measures how the
    picture itself pushes each codeword bit, and boosts the chips of bits the picture works
    against (up to :data:`MAX_BIT_GAIN`), so the picture interferes less with decoding. For a
    stream of frames, :class:`Embedder` does the same at a fraction of the cost.

    Parameters
    ----------
    frame_rgb : uint8 array, shape (H, W, 3)
        An RGB frame, at least 256 x 256 pixels.
    output_id : int
        The id to carry, 0 <= id < 2**32.
    options : WatermarkOptions
        Strength and texture masking.

    Returns
    -------
    uint8 array, shape (H, W, 3)
        The marked frame.
    """
    import cv2

    _check_frame(frame_rgb)
    gray = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    amplitude = _amplitude(gray, options)
    gains = _bit_gains(gray, amplitude, output_id)
    pattern = _tiled(_render_chips(_chips(output_id, gains)), *gray.shape)
    return _add_luma(frame_rgb, amplitude * pattern)


class Embedder:
    """Watermark a stream of frames with one id; the per-bit gains are refreshed every few frames.

    Consecutive rendered frames differ little, so the informed gains of :func:`embed` stay good
    for several frames; between refreshes a frame costs only the texture mask and one add.

    Parameters
    ----------
    output_id : int
        The id to carry, 0 <= id < 2**32.
    refresh_every : int
        Recompute the bit gains on every ``refresh_every``-th frame (1 = every frame, as
        :func:`embed`).
    options : WatermarkOptions
        Strength and texture masking.
    """

    def __init__(
        self,
        output_id: int,
        *,
        refresh_every: int = 4,
        options: WatermarkOptions = WatermarkOptions(),
    ) -> None:
        id_to_bits(output_id)
        if refresh_every < 1:
            raise InputError(f"refresh_every must be >= 1, got {refresh_every}")
        self.output_id, self.refresh_every, self.options = output_id, refresh_every, options
        self.reset()

    def reset(self) -> None:
        """Forget the cached gains (call between clips)."""
        self._n_frames = 0
        self._pattern: np.ndarray | None = None

    def __call__(self, frame_rgb: np.ndarray) -> np.ndarray:
        """The marked copy of one uint8 RGB frame."""
        import cv2

        _check_frame(frame_rgb)
        gray = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
        amplitude = _amplitude(gray, self.options)
        stale = self._pattern is None or self._pattern.shape != gray.shape
        if stale or self._n_frames % self.refresh_every == 0:
            gains = _bit_gains(gray, amplitude, self.output_id)
            self._pattern = _tiled(_render_chips(_chips(self.output_id, gains)), *gray.shape)
        self._n_frames += 1
        assert self._pattern is not None
        return _add_luma(frame_rgb, amplitude * self._pattern)


# --- detection --------------------------------------------------------------------------------


def _analyze(hp_nominal: np.ndarray) -> tuple[float, tuple[int, int], np.ndarray]:
    """Sync search on high-passed luma at nominal scale: (peak z, (dy, dx), whitened fold)."""
    spectrum = np.fft.fft2(_fold(hp_nominal))
    spectrum /= np.abs(spectrum) + 1e-9
    corr = np.real(np.fft.ifft2(spectrum * _sync_template_tf()))
    peak = int(np.argmax(corr))
    z = float((corr.flat[peak] - corr.mean()) / (corr.std() + 1e-12))
    return z, divmod(peak, TILE_PX), spectrum


class _ScaledHighpass:
    """High-passed copies of one picture, resampled to nominal scale for any candidate scale.

    High-passing once per octave band at the clip's own resolution (the blur scaled with the
    candidate scale) and then resampling costs a fraction of resampling first.
    """

    BANDS = (0.6, 0.85)

    def __init__(self, gray: np.ndarray) -> None:
        self.gray = gray
        self.cache: dict[int, np.ndarray] = {}

    def __call__(self, scale: float) -> np.ndarray:
        import cv2

        band = int(np.searchsorted(self.BANDS, scale))
        if band not in self.cache:
            band_scale = (MIN_SCALE + self.BANDS[0], sum(self.BANDS), self.BANDS[1] + MAX_SCALE)[
                band
            ] / 2
            self.cache[band] = _highpass(self.gray, HIGHPASS_SIGMA_PX * band_scale)
        hp = self.cache[band]
        size = (max(1, round(hp.shape[1] / scale)), max(1, round(hp.shape[0] / scale)))
        return cv2.resize(hp, size, interpolation=cv2.INTER_LINEAR)


def _scale_grid() -> tuple[np.ndarray, np.ndarray]:
    """Coarse scales to try, and the offsets of the fine grid around a coarse one."""
    n = int(np.ceil(np.log(MAX_SCALE / MIN_SCALE) / np.log1p(COARSE_STEP))) + 1
    coarse = MIN_SCALE * (1 + COARSE_STEP) ** np.arange(n)
    fine = np.arange(-FINE_SPAN, FINE_SPAN + FINE_STEP / 2, FINE_STEP)
    return coarse, fine


def _crc_ok(bits: np.ndarray) -> bool:
    """Whether the last 16 of 48 bits are the CRC-16 of the first 32."""
    return bool(np.array_equal(crc16(bits[:N_ID_BITS]), bits[N_ID_BITS:]))


def _chase_decode(soft: np.ndarray) -> tuple[np.ndarray, bool]:
    """Hard bits, or the most likely CRC-passing flip of the least reliable ones: (bits, crc_ok)."""
    bits = (soft > 0).astype(np.uint8)
    weakest = np.argsort(np.abs(soft))[:N_CHASE_BITS]
    candidates = []
    for mask in range(2**N_CHASE_BITS):
        flip = weakest[[bool(mask >> i & 1) for i in range(N_CHASE_BITS)]]
        trial = bits.copy()
        trial[flip] ^= 1
        if _crc_ok(trial):
            candidates.append((float(np.abs(soft[flip]).sum()), trial))
    if not candidates:
        return bits, False
    return min(candidates, key=lambda c: c[0])[1], True


def detect_frames(frames: Iterable[np.ndarray]) -> DetectionReport:
    """Look for a watermark in frames of one clip.

    Parameters
    ----------
    frames : iterable of arrays, shape (H, W, 3) uint8 RGB or (H, W) luma
        Frames of one clip, all the same size; any scale from 0.45 to 1.1 of the marked original,
        any crop that keeps one tile (128 x 128 nominal pixels) of picture.

    Returns
    -------
    DetectionReport
    """
    import cv2

    total: np.ndarray | None = None
    n_frames = 0
    for frame in frames:
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        if total is None:
            total = np.zeros(gray.shape, np.float64)
        elif gray.shape != total.shape:
            raise InputError(
                f"watermark detect: frames change size from {total.shape} to {gray.shape}"
            )
        total += gray
        n_frames += 1
    if total is None:
        raise InputError("watermark detect: no frames to look at")
    # The picture moves between frames and the watermark does not: the average keeps the mark.
    mean = (total / n_frames).astype(np.float32)
    coarse, fine = _scale_grid()
    at_scale = _ScaledHighpass(mean)
    tried: dict[float, tuple[float, tuple[int, int], np.ndarray]] = {}
    for scale in coarse:
        tried[float(scale)] = _analyze(at_scale(scale))
    best_coarse = sorted(tried, key=lambda s: tried[s][0])[-N_COARSE_KEPT:]
    for scale in {round(c * (1 + f), 6) for c in best_coarse for f in fine}:
        if scale not in tried:
            tried[scale] = _analyze(at_scale(scale))
    scale = max(tried, key=lambda s: tried[s][0])
    z, shift, spectrum = tried[scale]
    bits, crc_ok = _chase_decode(_soft_bits(spectrum, shift))
    # Chance that an unmarked clip beats z at any shift and scale tried (Gaussian tail, union
    # bound), times the chance that one of the decoding candidates passes the CRC by luck.
    n_tests = len(tried) * TILE_PX * TILE_PX
    p_false = min(1.0, n_tests * 0.5 * math.erfc(z / math.sqrt(2))) * 2.0 ** (
        N_CHASE_BITS - N_CRC_BITS
    )
    found = crc_ok and z >= Z_THRESHOLD
    return DetectionReport(
        id=bits_to_id(bits) if found else None,
        confidence=float(1.0 - p_false) if found else 0.0,
        z=z,
        crc_ok=crc_ok,
        scale=float(scale),
        shift_px=(int(shift[0]), int(shift[1])),
        code_bits=bits,
        raw_chip_error_rate=_raw_chip_errors(spectrum, shift, bits),
        n_frames=n_frames,
    )


def read_frames(path: str | os.PathLike[str], *, max_frames: int = 300) -> Iterator[np.ndarray]:
    """Luma frames of a video or image file, at most ``max_frames`` spread over the clip."""
    import av

    from likeness.fileio import existing_file

    p = existing_file(path, "video")
    try:
        with av.open(str(p)) as container:
            stream = container.streams.video[0]
            n_total = stream.frames or 0
            step = max(1, n_total // max_frames) if n_total else 1
            n_read = 0
            for i, frame in enumerate(container.decode(stream)):
                if i % step:
                    continue
                yield frame.to_ndarray(format="gray")
                n_read += 1
                if n_read >= max_frames:
                    break
    except (av.error.FFmpegError, IndexError) as e:
        raise ProvenanceError(f"{p}: cannot read video frames for watermark detection: {e}") from e


def embed_video(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    output_id: int,
    *,
    crf: int = 18,
    options: WatermarkOptions = WatermarkOptions(),
) -> int:
    """Re-encode a video (H.264, yuv420p, same frame rate) with ``output_id`` in every frame.

    Returns the number of frames written. The output is written atomically; audio is not copied.
    """
    import av

    from likeness.fileio import atomic_output

    src = Path(source)
    embedder = Embedder(output_id, options=options)
    n_frames = 0
    try:
        with (
            av.open(str(src)) as reader,
            atomic_output(output) as tmp,
            av.open(str(tmp), "w") as writer,
        ):
            stream_in = reader.streams.video[0]
            stream = writer.add_stream("libx264", rate=stream_in.average_rate or 30)
            stream.width, stream.height = stream_in.width // 2 * 2, stream_in.height // 2 * 2
            stream.pix_fmt, stream.options = "yuv420p", {"crf": str(crf)}
            for frame in reader.decode(stream_in):
                rgb = frame.to_ndarray(format="rgb24")[: stream.height, : stream.width]
                marked = av.VideoFrame.from_ndarray(embedder(rgb), format="rgb24")
                writer.mux(stream.encode(marked))
                n_frames += 1
            writer.mux(stream.encode())
    except (av.error.FFmpegError, IndexError) as e:
        raise ProvenanceError(f"{src}: cannot re-encode with a watermark: {e}") from e
    if n_frames == 0:
        raise InputError(f"{src}: no video frames to watermark")
    return n_frames


def detect(video_path: str | os.PathLike[str], *, max_frames: int = 300) -> Detection:
    """Detect the watermark in a video or image file.

    Parameters
    ----------
    video_path : path
        An MP4 (or any container/image FFmpeg reads).
    max_frames : int
        At most this many frames, spread evenly over the clip, are averaged.

    Returns
    -------
    Detection
        ``(id, confidence)``; ``id`` is None when no watermark was found.
    """
    report = detect_frames(read_frames(video_path, max_frames=max_frames))
    return Detection(report.id, report.confidence)
