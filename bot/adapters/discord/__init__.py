"""The Discord adapter: discord.py wiring (`client`, `interactions`, `outbox`), inbound
`translate`, outbound `render`, the `/mock` app-command `tree`, and `reconcile` after a
fresh gateway session. Entry point: `main.serve`."""
