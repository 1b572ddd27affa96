"""The local prompt (`contactbot shell`) and its plain-text renderer."""
