"""Mes Factures: the shared package of the four services (domain, persistence, adapters, templates)."""
