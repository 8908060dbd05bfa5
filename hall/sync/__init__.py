"""Connector instances, sync runs and the runner that turns records into items."""
