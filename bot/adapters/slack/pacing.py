"""Slack's limits, as pacers (the token bucket itself lives in the core's delivery)."""

from __future__ import annotations

from bot.core.pacing import Pacer, unpaced

__all__ = ["Pacer", "post_pacer", "unpaced", "update_limiter"]


def post_pacer() -> Pacer:
    """`chat.postMessage`: about one message a second per channel, with a burst of three."""
    return Pacer(rate=1.0, burst=3)


def update_limiter() -> Pacer:
    """`chat.update` is tier 3: 50 a minute per workspace."""
    return Pacer(rate=50 / 60, burst=5)
