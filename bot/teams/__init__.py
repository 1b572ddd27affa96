"""contactbot in Microsoft Teams."""
