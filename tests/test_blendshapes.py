
import numpy as np

from likeness import blendshapes as bs


def test_fifty_two_unique_names_in_apples_order():
    assert bs.N_BLENDSHAPES == 52 == len(set(bs.NAMES))
    assert bs.NAMES[0] == "eyeBlinkLeft" and bs.NAMES[-1] == "tongueOut"
    assert bs.NAMES.index("jawLeft") < bs.NAMES.index("jawRight")


def test_mirror_swaps_sides_and_is_an_involution():
    assert np.array_equal(bs.MIRROR[bs.MIRROR], np.arange(52))
    assert bs.NAMES[bs.MIRROR[bs.index("eyeBlinkLeft")]] == "eyeBlinkRight"
    assert bs.NAMES[bs.MIRROR[bs.index("eyeLookInLeft")]] == "eyeLookInRight"
    assert bs.MIRROR[bs.index("jawOpen")] == bs.index("jawOpen")
    assert len(bs.MIRROR_PAIRS) * 2 + len(bs.UNPAIRED) == 52


def test_regions_partition_the_face():
    assert sorted(bs.UPPER_FACE + bs.LOWER_FACE) == list(range(52))
    assert bs.index("browInnerUp") in bs.UPPER_FACE
    assert bs.index("jawOpen") in bs.LOWER_FACE


def test_index_accepts_pascal_case_and_rejects_unknown_names():
    assert bs.index("MouthSmileLeft") == bs.index("mouthSmileLeft")
    try:
        bs.index("smile")
    except KeyError as e:
        assert "smile" in str(e)
    else:
        raise AssertionError("unknown name accepted")


def test_livelink_csv_order_swaps_jaw_and_mouth_sides():
    names = [bs.NAMES[i] for i in bs.LIVELINK_CSV_ORDER]
    assert names.index("jawRight") < names.index("jawLeft")
    assert names.index("mouthRight") < names.index("mouthLeft")
    assert sorted(bs.LIVELINK_CSV_ORDER) == list(range(52))
