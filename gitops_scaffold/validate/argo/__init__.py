"""Argo CD as the check half reads it: loader, objects, ApplicationSet expansion, sources, projects,
Helm and schemas, and the render pipeline (rendering, cache, pool, fastschema); shared by
validate, preview and diff (``rendering.render_manifests`` is diff's entry to Helm)."""
