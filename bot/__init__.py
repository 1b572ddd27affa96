"""contactbot's platform side: configuration, the Slack adapter, the HTTP server and the CLI."""
