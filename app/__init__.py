"""Wiring: settings, database engines and sessions, the Starlette app and the `onebook` CLI."""
