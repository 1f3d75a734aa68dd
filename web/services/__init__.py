"""What the blueprints call: storage, recording, the live engine, accounts, settings, comparisons; no
request handling here.
"""
