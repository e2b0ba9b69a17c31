"""Cordon's data layer: the project file, import and export (no Qt)."""
