"""JSON API v1, with an OpenAPI document generated from its pydantic models."""
