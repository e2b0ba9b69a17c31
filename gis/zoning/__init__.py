"""Control zones: shapes, tier schemes and lifting rules, circles, snapping to units, proposals (no Qt)."""
