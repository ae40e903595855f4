"""Every Redis key and pub/sub channel of the handoff bridge, built in one place.

The prefix keeps the bridge's keys apart from Rasa's tracker and lock keys in the same Redis,
and lets tests give every test its own namespace.
"""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "kefu:hd"


@dataclass(frozen=True)
class Keys:
    prefix: str = DEFAULT_PREFIX

    # --- tickets and the agent queue -------------------------------------------------------
    def ticket(self, ticket_id: str) -> str:
        """Hash: the ticket's JSON body and its mutable state fields."""
        return f"{self.prefix}:ticket:{ticket_id}"

    @property
    def waiting(self) -> str:
        """Sorted set of waiting ticket ids, lowest score is served first."""
        return f"{self.prefix}:queue:waiting"

    @property
    def claimed(self) -> str:
        """Sorted set of claimed ticket ids scored by the time (ms) the claim goes stale."""
        return f"{self.prefix}:queue:claimed"

    @property
    def closed(self) -> str:
        """Sorted set of resolved or handed-back ticket ids scored by closing time (ms)."""
        return f"{self.prefix}:queue:closed"

    def agent_tickets(self, agent_id: str) -> str:
        """Set of the ticket ids an agent currently holds."""
        return f"{self.prefix}:agent:{agent_id}:tickets"

    def open_ticket(self, conversation_id: str) -> str:
        """String: the id of the conversation's open (waiting or claimed) ticket."""
        return f"{self.prefix}:conv:{conversation_id}:ticket"

    # --- conversations ---------------------------------------------------------------------
    def conversation(self, conversation_id: str) -> str:
        """Hash: owner (shopper id), mode (bot / queued / agent), agent id, ticket id."""
        return f"{self.prefix}:conv:{conversation_id}:meta"

    def conversation_log(self, conversation_id: str) -> str:
        """List of JSON messages, oldest first: everything said in both directions."""
        return f"{self.prefix}:conv:{conversation_id}:log"

    def shopper_conversation(self, shopper_id: str) -> str:
        """String: the shopper's current conversation id."""
        return f"{self.prefix}:shopper:{shopper_id}:conversation"

    def turns(self, conversation_id: str) -> str:
        """List of turn ids waiting to be processed, in arrival order (strict ordering)."""
        return f"{self.prefix}:conv:{conversation_id}:turns"

    def turn_alive(self, turn_id: str) -> str:
        """Expiring key: the gateway that owns the turn is still alive."""
        return f"{self.prefix}:turn:{turn_id}"

    # --- agents ----------------------------------------------------------------------------
    def agent(self, agent_id: str) -> str:
        """Hash: display name, password hash, role."""
        return f"{self.prefix}:agent:{agent_id}"

    @property
    def agents_online(self) -> str:
        """Sorted set of agent ids scored by their last heartbeat (ms)."""
        return f"{self.prefix}:agents:online"

    def stats(self, day: str) -> str:
        """Hash of counters for one day (YYYY-MM-DD): handoffs by reason, ratings."""
        return f"{self.prefix}:stats:{day}"

    # --- pub/sub channels ------------------------------------------------------------------
    @property
    def queue_events(self) -> str:
        """Channel: the queue changed (enqueue, claim, requeue, close)."""
        return f"{self.prefix}:events:queue"

    def conversation_events(self, conversation_id: str) -> str:
        """Channel: a new message or state change in one conversation."""
        return f"{self.prefix}:events:conv:{conversation_id}"
