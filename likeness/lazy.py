"""Package exports imported on first use (PEP 562), so that importing a package does no work.

A package lists where each of its public names lives and hands the result to Python as its
module ``__getattr__``::

    if TYPE_CHECKING:  # what type checkers and readers see
        from likeness.frame import Animation, FaceFrame

    __getattr__ = lazy_exports(__name__, {"likeness.frame": ("Animation", "FaceFrame")})

``from likeness import FaceFrame`` then imports :mod:`likeness.frame` (and numpy) at that moment,
and ``import likeness`` alone imports neither, which keeps ``likeness --help`` instant.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports each exported name from its module.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping of str to tuple of str
        Module name -> the names the package re-exports from it.
    """
    home = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home[name]), name)
        setattr(sys.modules[package], name, value)  # found directly from now on
        return value

    return __getattr__
