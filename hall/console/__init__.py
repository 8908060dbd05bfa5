"""The department console: operators file accounts, set up connectors, watch syncs."""
