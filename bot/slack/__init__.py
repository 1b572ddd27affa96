"""Slack: the slack-bolt adapter, its modal, its renderer and its digest delivery."""
