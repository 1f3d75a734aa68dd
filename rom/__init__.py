"""rom: range of motion from a side-view video, measured with MediaPipe Pose."""

__version__ = "0.1.0"
