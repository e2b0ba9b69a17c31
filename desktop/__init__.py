"""Cordon's Qt desktop: windows, docks, dialogs, the map widget and its bridge."""
