"""Phoneme inventory, the phoneme -> viseme table and the espeak-ng -> ARPAbet mapping.

Phonemes are ARPAbet without stress digits (the CMU dictionary's and pocketsphinx's set), plus
``SIL`` for silence. Visemes are the 15 of the Oculus/Meta lip-sync set, which engines (Unreal,
Unity, VRChat, Ready Player Me) already understand; ``docs/speech.md`` publishes both tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

SILENCE = "SIL"

VISEMES: tuple[str, ...] = (
    "sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou",
)
"""The 15 Oculus visemes, in their canonical order."""

PHONEME_TO_VISEME: Mapping[str, str] = MappingProxyType({
    SILENCE: "sil",
    "P": "PP", "B": "PP", "M": "PP",
    "F": "FF", "V": "FF",
    "TH": "TH", "DH": "TH",
    "T": "DD", "D": "DD",
    "K": "kk", "G": "kk", "NG": "kk", "HH": "kk",
    "CH": "CH", "JH": "CH", "SH": "CH", "ZH": "CH",
    "S": "SS", "Z": "SS",
    "N": "nn", "L": "nn",
    "R": "RR", "ER": "RR",
    "AA": "aa", "AE": "aa", "AH": "aa", "AY": "aa", "AW": "aa",
    "EH": "E", "EY": "E",
    "IH": "ih", "IY": "ih", "Y": "ih",
    "AO": "oh", "OW": "oh", "OY": "oh",
    "UW": "ou", "UH": "ou", "W": "ou",
})
"""ARPAbet phoneme -> Oculus viseme."""

PHONEMES: tuple[str, ...] = tuple(PHONEME_TO_VISEME)
VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY",
                    "UH", "UW"})
BILABIALS = frozenset({"P", "B", "M"})
LABIODENTALS = frozenset({"F", "V"})
OPEN_VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY"})
CLOSE_VOWELS = frozenset({"IY", "IH", "UW", "UH"})

# espeak-ng's English mnemonics. A vowel followed by r ("A@" in "car") is one espeak phoneme but
# two in ARPAbet; the first is the mouth shape that matters, the rest only matter to alignment.
_ESPEAK_TO_ARPABET: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "p": ("P",), "b": ("B",), "t": ("T",), "d": ("D",), "k": ("K",), "g": ("G",),
    "f": ("F",), "v": ("V",), "T": ("TH",), "D": ("DH",), "s": ("S",), "z": ("Z",),
    "S": ("SH",), "Z": ("ZH",), "h": ("HH",), "m": ("M",), "n": ("N",), "N": ("NG",),
    "l": ("L",), "r": ("R",), "w": ("W",), "j": ("Y",), "tS": ("CH",), "dZ": ("JH",),
    "t#": ("T",), "d#": ("D",), "*": ("T",), "?": ("T",), "n-": ("N",), "l/": ("L",),
    "r-": ("R",), "m-": ("M",), "x": ("HH",), "C": ("HH",),
    "a": ("AE",), "aa": ("AE",), "a#": ("AH",), "A:": ("AA",), "A": ("AA",), "0": ("AA",),
    "@": ("AH",), "@2": ("AH",), "@5": ("AH",), "@L": ("AH", "L"), "V": ("AH",),
    "3": ("ER",), "3:": ("ER",), "e": ("EH",), "E": ("EH",), "eI": ("EY",),
    "i": ("IY",), "i:": ("IY",), "I": ("IH",), "I#": ("IH",), "I2": ("IH",),
    "O": ("AO",), "O:": ("AO",), "oU": ("OW",), "OI": ("OY",), "u": ("UW",), "u:": ("UW",),
    "U": ("UH",), "aI": ("AY",), "aU": ("AW",),
    # Vowels of other espeak-ng languages, by their nearest English mouth shape.
    "a:": ("AA",), "e:": ("EY",), "E:": ("EH",), "o": ("OW",), "o:": ("OW",), "y": ("UW",),
    "y:": ("UW",), "2": ("UH",), "2:": ("UH",), "9": ("AH",), "i.": ("IY",), "W": ("UW",),
    "A@": ("AA", "R"), "e@": ("EH", "R"), "i@": ("IY", "R"), "i@3": ("IY", "R"),
    "U@": ("UH", "R"), "o@": ("AO", "R"), "O@": ("AO", "R"), "aI@": ("AY", "ER"),
    "aU@": ("AW", "ER"), "aI3": ("AY", "ER"), "aU3": ("AW", "ER"),
})


def split_stress(espeak: str) -> tuple[str, int]:
    """``"'aI"`` -> ``("aI", 1)``: espeak-ng mnemonic without its stress mark, and the stress
    (1 primary, 2 secondary, 0 none)."""
    if espeak.startswith("'"):
        return espeak[1:], 1
    if espeak.startswith(","):
        return espeak[1:], 2
    return espeak, 0


def espeak_to_arpabet(espeak: str) -> tuple[str, ...]:
    """ARPAbet phonemes for one espeak-ng mnemonic (stress mark allowed); pauses -> ``("SIL",)``.

    Unknown mnemonics (other languages' phonemes) fall back on their first character's mapping,
    or on silence, so any voice still animates.
    """
    name, _ = split_stress(espeak)
    if not name or name.startswith("_"):
        return (SILENCE,)
    if name in _ESPEAK_TO_ARPABET:
        return _ESPEAK_TO_ARPABET[name]
    for length in range(len(name) - 1, 0, -1):
        if name[:length] in _ESPEAK_TO_ARPABET:
            return _ESPEAK_TO_ARPABET[name[:length]]
    return (SILENCE,)


def viseme_of(phoneme: str) -> str:
    """Oculus viseme of an ARPAbet phoneme (stress digits ignored; noise and unknown -> ``sil``)."""
    return PHONEME_TO_VISEME.get(phoneme.rstrip("012").upper(), "sil")


@dataclass(frozen=True, slots=True)
class Phone:
    """One timed phoneme.

    Attributes
    ----------
    start_s, end_s : float
        Segment bounds in seconds, ``end_s > start_s``.
    phoneme : str
        ARPAbet without stress digits, or ``"SIL"``.
    stress : int
        1 primary, 2 secondary, 0 unstressed or unknown.
    word : str
        The word the phone belongs to, ``""`` when unknown (recognition, silence).
    """

    start_s: float
    end_s: float
    phoneme: str
    stress: int = 0
    word: str = ""

    @property
    def viseme(self) -> str:
        """The phone's Oculus viseme."""
        return viseme_of(self.phoneme)
