"""Microsoft Teams, through Microsoft's Teams SDK for Python (microsoft-teams-apps)."""

from bot.teams.app import TeamsMount, mount_teams

__all__ = ["TeamsMount", "mount_teams"]
