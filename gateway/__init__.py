"""The HTTP side of the hub: settings, the Starlette app and the `dualhub` CLI."""
