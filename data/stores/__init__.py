"""The two places a project can live, behind :class:`data.project.Project`: a GeoPackage file
(:mod:`data.stores.gpkg_store`) or a PostgreSQL/PostGIS schema (:mod:`data.stores.postgis_store`);
:mod:`data.stores.transfer` copies a project from one to the other."""
