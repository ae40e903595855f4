"""The handoff bridge: shopper chat gateway, agent queue and agent API (aiohttp + Redis)."""
