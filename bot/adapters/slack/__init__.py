"""The Slack adapter: slack-bolt wiring (`app`), Slack payloads in (`translate`), Block Kit out
(`render`), and the two ways to connect (`main`: Socket Mode or HTTP with OAuth)."""
