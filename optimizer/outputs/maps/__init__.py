"""Pictures and GIS layers of a plan: GeoJSON layers, map.png and map.html.

``layers`` turns a Result into GeoDataFrames; ``static`` draws them with
matplotlib; ``interactive`` writes a self-contained Leaflet page. The outline
of the UK and Ireland and Leaflet itself ship in ``data/``: nothing is fetched.
"""
