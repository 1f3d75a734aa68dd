"""Formats the web app writes: Jinja filters, chart text, FHIR, OpenSim .mot."""
