"""Adapters that bring frames and landmarks in: video files (PyAV/OpenCV), the pose backends, the pose-
model files. Imports only `rom.core`.
"""
