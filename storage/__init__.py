"""Storage: the database models, connections, queries and migrations of contactbot."""
