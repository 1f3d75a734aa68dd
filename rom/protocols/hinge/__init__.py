"""The hip hinge."""
