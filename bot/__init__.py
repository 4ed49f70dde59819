"""Telegram adapter, console adapter, CLI and app wiring."""
