"""The closed loop on twins of real photos: render swept weights, track them back, recover them.

Each photo is tested on the channels it can show: Eileen Collins (the astronaut) on every swept
channel; Grace Hopper on her mouth, since her lids and brows are behind the rims of her glasses.
"""

import pytest

from tests import photos
from tests.render.test_closed_loop import (
    CHANNELS,
    POSES,
    assert_never_swapped,
    channel_r,
    pose_r,
    swept_and_tracked,
)

SHOWN = {
    "astronaut": CHANNELS,
    "hopper": ("jawOpen", "mouthSmileLeft", "mouthSmileRight", "mouthPucker"),
}
SWAPS = {"astronaut": ("eyeBlinkLeft", "eyeBlinkRight"), "hopper": ("mouthSmileLeft",
                                                                     "mouthSmileRight")}


@pytest.fixture(scope="module", params=sorted(SHOWN))
def sweep(request, tmp_path_factory):
    from likeness.avatar.twin import build_twin, twin_from_photo

    avatar = (
        build_twin(photos.astronaut(), name="astronaut")
        if request.param == "astronaut"
        else twin_from_photo(photos.hopper_path())
    )
    video = tmp_path_factory.mktemp("twin_loop") / f"{request.param}.mp4"
    return request.param, swept_and_tracked(video, avatar)


@pytest.mark.slow
def test_every_channel_the_photo_can_show_is_recovered(sweep):
    photo, result = sweep
    rs = {name: round(channel_r(result, name), 3) for name in SHOWN[photo]}
    assert min(rs.values()) >= 0.9, f"{photo}: Pearson r {rs}"


@pytest.mark.slow
def test_head_yaw_and_pitch_are_recovered(sweep):
    photo, result = sweep
    rs = {pose: round(pose_r(result, pose), 3) for pose in POSES}
    assert min(rs.values()) >= 0.9, f"{photo}: Pearson r {rs}"


@pytest.mark.slow
def test_left_and_right_are_never_swapped(sweep):
    photo, result = sweep
    assert_never_swapped(result, *SWAPS[photo])
