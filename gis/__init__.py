"""Cordon's GIS logic: geometry, coordinate systems, zoning, capacity and statistics (no Qt)."""
