"""Live updates: the bus, the transports' limits and the graphql-transport-ws handler."""
