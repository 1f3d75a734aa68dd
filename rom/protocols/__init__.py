"""The clinical tests, one package each: how a test is measured from a landmark series, its
configuration, its flags. Imports only `rom.core`.
"""
