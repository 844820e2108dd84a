"""A Result written out: summary.json, CSV tables, GeoJSON, plan.xlsx, maps, report.html."""
