"""A small community bank that the import tests (core, Discord, Slack) share."""

CLUB_BANK = """
bank: {id: club, name: Club bank, licence: CC-BY-4.0}
questions:
  - id: club-001
    text: Tell us about the best talk you gave at the club.
    category: communication
    difficulty: 1
    follow_ups: ["What would you change?"]
    signals: [A clear structure]
    tips: [Pick one talk.]
"""
