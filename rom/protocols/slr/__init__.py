"""The passive straight-leg raise (SLR)."""
