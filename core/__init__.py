"""Shared infrastructure in named modules (no models, no domain rules): see docs/architecture.md."""
