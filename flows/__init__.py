"""Platform-neutral core of Bina: specs, the conversation engine and rules.

Nothing here talks to Telegram, a database or the clock: time comes in as an
argument and effects go out as commands.
"""
