"""Push ingest: departments send items to the API with a per-account token."""
