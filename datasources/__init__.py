"""Backing systems of the hub: one package per datasource, none aware of the others."""
