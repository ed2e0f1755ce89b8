"""Argo CD as the check half reads it: loader, objects, ApplicationSet expansion, sources, projects,
Helm and schemas; shared by validate, preview and diff."""
