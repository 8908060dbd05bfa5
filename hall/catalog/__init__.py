"""Items (content and services), their service guides, and the change log."""
