"""Platform-neutral command logic: text in, a neutral reply out. No Slack or Teams here."""
