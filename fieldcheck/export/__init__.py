"""The export of a cycle: its tables, the signed Frictionless package (CSV, ZIP), the XLSX, the checks."""
