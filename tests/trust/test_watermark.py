"""The watermark: payload coding, invisibility bounds, detection through re-encoding, scaling and
cropping, and no detection in unmarked pictures."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.errors import InputError, ProvenanceError
from likeness.trust import watermark
from likeness_lab.robustness import (
    ATTACKS,
    PHOTOS,
    attacked,
    decode_rgb,
    encode_h264,
    pan_zoom_clip,
    photo,
)

OUTPUT_ID = 0x5EED_2026


def test_crc16_is_ccitt_false():
    bits = np.unpackbits(np.frombuffer(b"123456789", np.uint8))
    assert int("".join(map(str, watermark.crc16(bits))), 2) == 0x29B1


def test_codeword_round_trip_and_range():
    for output_id in (0, 1, OUTPUT_ID, 2**32 - 1):
        code = watermark.encode_codeword(output_id)
        assert code.shape == (watermark.N_CODE_BITS,)
        assert watermark.bits_to_id(code) == output_id
    for bad in (-1, 2**32):
        with pytest.raises(InputError, match="2\\*\\*32"):
            watermark.encode_codeword(bad)


def test_layout_uses_every_chip_once():
    layout = watermark._layout()
    n_data = int((layout.data_bit >= 0).sum())
    assert n_data == watermark.N_DATA_CHIPS
    assert np.bincount(layout.data_bit[layout.data_bit >= 0]).tolist() == [watermark.N_REPEAT] * 48
    assert int(layout.sync_mask.sum()) + n_data == watermark.TILE_CHIPS**2


@pytest.fixture(scope="module")
def clip() -> list[np.ndarray]:
    """Ten seconds (30 fps) of a slow pan and zoom over scikit-image's coffee photo, 512 x 512."""
    return pan_zoom_clip(photo("coffee"), n_frames=300, rng=np.random.default_rng(11))


def test_embed_is_bounded_and_deterministic(clip):
    frame = clip[0]
    options = watermark.WatermarkOptions()
    marked = watermark.embed(frame, OUTPUT_ID)
    assert marked.dtype == np.uint8 and marked.shape == frame.shape
    delta = marked.astype(int) - frame
    # Same change on R, G and B (chroma untouched) except where a channel saturates.
    unsaturated = (frame > 20).all(axis=2) & (frame < 235).all(axis=2)
    assert np.array_equal(delta[..., 0][unsaturated], delta[..., 2][unsaturated])
    bound = options.strength * options.mask_max * watermark.MAX_BIT_GAIN + 1
    assert np.abs(delta).max() <= bound
    psnr_db = 10 * np.log10(255**2 / np.mean(delta.astype(float) ** 2))
    assert psnr_db > 35
    assert np.array_equal(watermark.embed(frame, OUTPUT_ID), marked)
    assert not np.array_equal(watermark.embed(frame, OUTPUT_ID + 1), marked)


def test_streaming_embedder_matches_embed_when_refreshing_every_frame(clip):
    embedder = watermark.Embedder(OUTPUT_ID, refresh_every=1)
    for frame in clip[:3]:
        assert np.array_equal(embedder(frame), watermark.embed(frame, OUTPUT_ID))


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((512, 512, 3), np.float32),
        np.zeros((512, 512), np.uint8),
        np.zeros((200, 512, 3), np.uint8),
    ],
)
def test_embed_rejects_what_it_cannot_mark(bad):
    with pytest.raises(InputError, match="watermark embed"):
        watermark.embed(bad, OUTPUT_ID)


def test_one_lossless_frame_is_enough(clip):
    report = watermark.detect_frames([watermark.embed(clip[0], OUTPUT_ID)])
    assert report.id == OUTPUT_ID and report.crc_ok
    assert report.confidence > 0.9999 and report.z > watermark.Z_THRESHOLD
    assert report.shift_px == (0, 0) and abs(report.scale - 1) < 0.01


@pytest.mark.slow
def test_survives_crop_half_size_and_h264_crf28(clip, tmp_path):
    """The issue's hardest case: 10% crop, then half size, then H.264 at CRF 28, all at once."""
    embedder = watermark.Embedder(OUTPUT_ID)
    rendered = decode_rgb(encode_h264([embedder(f) for f in clip], tmp_path / "render.mp4", crf=18))
    worst = next(a for a in ATTACKS if a.name == "10% crop + half size + H.264 CRF 28")
    frames = attacked(rendered, worst, tmp_path)
    assert frames[0].shape[:2] == (230, 230)
    report = watermark.detect_frames(frames)
    assert report.id == OUTPUT_ID, (report.z, report.raw_chip_error_rate)
    assert abs(report.scale - 0.5) < 0.01
    # The shift found is where the crop moved the tile origin (to a pixel or two after halving).
    crop_px = np.array([0.1 * 512 * 0.37, 0.1 * 512 * 0.61])
    error = (np.array(report.shift_px) + crop_px + 64) % watermark.TILE_PX - 64
    assert np.abs(error).max() <= 2.5, report.shift_px


def test_detect_reads_files_and_reports_unmarked_video(clip, tmp_path):
    marked = encode_h264(
        [watermark.embed(f, OUTPUT_ID) for f in clip[:20]], tmp_path / "m.mp4", crf=18
    )
    assert watermark.detect(marked) == (OUTPUT_ID, pytest.approx(1.0, abs=1e-4))
    plain = encode_h264(clip[:20], tmp_path / "plain.mp4", crf=18)
    assert watermark.detect(plain) == (None, 0.0)


@pytest.mark.slow
def test_no_false_positives_on_unmarked_pictures():
    # One view per photo here; docs/watermark.md measures a thousand.
    rng = np.random.default_rng(5)
    for name in PHOTOS:
        frame = pan_zoom_clip(
            photo(name), n_frames=1, size_px=int(rng.integers(300, 640)), rng=rng
        )[0]
        report = watermark.detect_frames([frame])
        assert report.id is None and report.confidence == 0.0, (name, report.z)


def test_bad_files(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        watermark.detect(empty)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 4)
    with pytest.raises(ProvenanceError, match="junk.mp4"):
        watermark.detect(junk)
    with pytest.raises(InputError, match="no frames"):
        watermark.detect_frames([])
