"""Live mode: the engine fed one frame at a time for the web page (cues while recording, the offline
analysis when it stops).
"""
