"""The GraphQL schema: strawberry types per domain area, composed in `schema.app`."""
