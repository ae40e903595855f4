"""Agent accounts, kept in Redis with hashed passwords, and a command line to manage them.

    python -m handoff.agents add a01 --name 小王 [--supervisor]   # password from KEFU_AGENT_PASSWORD or a prompt
    python -m handoff.agents remove a01
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import re
import sys
from dataclasses import dataclass
from typing import Optional, Sequence

import redis.asyncio as aioredis

from handoff.connection import redis_from_url
from handoff.keys import Keys
from handoff.settings import Settings, SettingsError
from handoff.tokens import check_password, hash_password

AGENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
ROLE_AGENT = "agent"
ROLE_SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Agent:
    agent_id: str
    name: str
    role: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == ROLE_SUPERVISOR


class AgentDirectory:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def add(self, agent_id: str, name: str, password: str, role: str = ROLE_AGENT) -> Agent:
        if not AGENT_ID_PATTERN.match(agent_id):
            raise ValueError("agent id: 1-32 letters, digits, '_', '.' or '-'")
        if len(password) < 8:
            raise ValueError("password: at least 8 characters")
        await self._redis.hset(
            self._keys.agent(agent_id),
            mapping={"name": name, "role": role, "password_hash": hash_password(password)},
        )
        return Agent(agent_id, name, role)

    async def remove(self, agent_id: str) -> bool:
        return bool(await self._redis.delete(self._keys.agent(agent_id)))

    async def get(self, agent_id: str) -> Optional[Agent]:
        if not AGENT_ID_PATTERN.match(agent_id or ""):
            return None
        fields = await self._redis.hgetall(self._keys.agent(agent_id))
        if not fields:
            return None
        return Agent(agent_id, fields.get("name", agent_id), fields.get("role", ROLE_AGENT))

    async def authenticate(self, agent_id: str, password: str) -> Optional[Agent]:
        """The agent when the password matches, else None (unknown ids cost the same time)."""
        stored = None
        if AGENT_ID_PATTERN.match(agent_id or ""):
            stored = await self._redis.hget(self._keys.agent(agent_id), "password_hash")
        # Hash even for unknown agents, so response time does not reveal which ids exist.
        valid = check_password(password, stored or hash_password("x"))
        return await self.get(agent_id) if stored and valid else None


async def _main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff.agents", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create or update an agent")
    add.add_argument("agent_id")
    add.add_argument("--name", required=True, help="the name shoppers see, e.g. 小王")
    add.add_argument("--supervisor", action="store_true", help="may open the supervisor view")
    remove = commands.add_parser("remove", help="delete an agent")
    remove.add_argument("agent_id")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    client = redis_from_url(settings.redis_url)
    directory = AgentDirectory(client, Keys(settings.key_prefix))
    try:
        if args.command == "add":
            password = os.environ.get("KEFU_AGENT_PASSWORD") or getpass.getpass("password: ")
            role = ROLE_SUPERVISOR if args.supervisor else ROLE_AGENT
            agent = await directory.add(args.agent_id, args.name, password, role)
            print(f"agent {agent.agent_id} ({agent.name}, {agent.role}) saved")
        elif not await directory.remove(args.agent_id):
            print(f"no agent {args.agent_id}", file=sys.stderr)
            return 1
        return 0
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await client.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(_main(sys.argv[1:])))
