"""logscan: find out from an application's own logs why its OpenAI API calls failed."""

__version__ = "0.1.0"
