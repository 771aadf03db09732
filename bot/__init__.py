"""mockpanel: group mock interviews in Discord and Slack."""

__version__ = "0.1.0"
