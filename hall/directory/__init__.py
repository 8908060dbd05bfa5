"""Departments and their public accounts."""
