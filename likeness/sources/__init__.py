"""Sources: where frames and signals come from (cameras, video and audio files, microphones,
network receivers). Each shares ``open / read / close`` and is a context manager."""

from likeness.sources.livelink_receiver import LiveLinkReceiver
from likeness.sources.vmc_receiver import VmcReceiver

__all__ = ["LiveLinkReceiver", "VmcReceiver"]
