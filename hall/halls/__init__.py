"""Halls: clusters of departments' accounts behind one entry point."""
