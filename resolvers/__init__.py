"""The logic behind schema fields: validation, loader calls, and the joins across sides."""
