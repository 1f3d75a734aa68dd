"""The pure core: landmarks, plane geometry, signal cleaning, posture, per-frame kinematics, the back
outline, result types. Arrays in, numbers out; no I/O, no pose model, nothing above it imported.
"""
