"""Signing in and out of the console and the admin pages."""
