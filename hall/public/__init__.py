"""Citizen pages: halls, search results, service guides, departments."""
