"""What the gateway does, independent of HTTP: shopper messages to the bot or to a person, agent
actions on tickets, and the bot's resumption after a person is done.

Every state change goes through Redis (conversation log, queue, pub/sub), so any gateway instance
can serve any shopper or agent: this object keeps no conversation state of its own.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from bot.sentiment.detector import Detector
from handoff.agents import Agent, AgentDirectory
from handoff.conversations import ConversationStore
from handoff.models import MODE_BOT, TICKET_CLAIMED, Message, Ticket
from handoff.policy import HandoffPolicy
from handoff.queue import AgentQueue
from handoff.rasa_client import RasaClient, RasaUnavailable

logger = logging.getLogger(__name__)

AGENT_MESSAGE_MAX_CHARS = 2000
MOOD_HISTORY_SCAN = 20  # how far back in the log to look for the shopper's earlier messages


class BridgeError(Exception):
    """A request the bridge refuses; `code` picks the Chinese explanation in data/texts/gateway.yml."""

    def __init__(self, code: str, status: int = 400, **values: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.values = values


@dataclass(frozen=True)
class Texts:
    shopper: Dict[str, str]
    agent: Dict[str, str]

    def for_shopper(self, code: str, **values: Any) -> str:
        return self.shopper[code].format(**values)

    def for_agent(self, code: str, **values: Any) -> str:
        return self.agent[code].format(**values)


class Bridge:
    def __init__(
        self,
        conversations: ConversationStore,
        queue: AgentQueue,
        agents: AgentDirectory,
        rasa: RasaClient,
        policy: HandoffPolicy,
        texts: Texts,
        detector: Detector,
        mood_history: int = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.conversations = conversations
        self.queue = queue
        self.agents = agents
        self.rasa = rasa
        self.policy = policy
        self.texts = texts
        self.detector = detector
        self.mood_history = mood_history  # earlier shopper messages the detector reads (escalation.yml)
        self.clock = clock

    # --- shoppers ------------------------------------------------------------------------------
    def check_shopper_text(self, text: Any) -> str:
        if not isinstance(text, str):
            raise BridgeError("bad_request")
        text = text.strip()
        if not text:
            raise BridgeError("empty_message")
        if len(text) > self.policy.max_message_chars:
            raise BridgeError("too_long", status=413, limit=self.policy.max_message_chars)
        return text

    async def owned_conversation(self, shopper_id: str, conversation_id: Optional[str]) -> str:
        """The shopper's conversation; refuses any other conversation id."""
        own = await self.conversations.conversation_for(shopper_id)
        if conversation_id not in (None, "", own):
            raise BridgeError("not_your_conversation", status=403)
        return own

    async def start_new_conversation(self, shopper_id: str) -> str:
        """A fresh conversation ("新会话"), unless a person is handling the current one."""
        current = await self.conversations.conversation_for(shopper_id)
        if (await self.conversations.state(current)).get("mode", MODE_BOT) != MODE_BOT:
            raise BridgeError("conversation_with_agent", status=409)
        return await self.conversations.start_new(shopper_id)

    async def shopper_says(
        self, shopper_id: str, conversation_id: str, text: Any, client_id: Optional[str] = None
    ) -> List[Message]:
        """Store the shopper's message and return the bot's replies ([] while a person has it).

        Replies are also published, so every open window of the shopper and the agent see them.
        """
        text = self.check_shopper_text(text)
        if client_id and not await self.conversations.first_time(conversation_id, str(client_id)):
            return []  # a resend after a reconnect: already handled
        async with self.conversations.turn(conversation_id):
            state = await self.conversations.state(conversation_id)
            message = Message(
                sender="shopper", text=text, at=self.clock(),
                sentiment=await self._mood(conversation_id, text),
            )
            await self.conversations.append(conversation_id, message)
            if state.get("mode", MODE_BOT) != MODE_BOT:
                return []  # the agent sees it through the conversation's events
            return await self._ask_bot(shopper_id, conversation_id, text, state)

    async def _mood(self, conversation_id: str, text: str) -> Dict[str, Any]:
        earlier = [
            m.text for m in await self.conversations.history(conversation_id, last=MOOD_HISTORY_SCAN)
            if m.sender == "shopper"
        ][-self.mood_history:] if self.mood_history else []
        return self.detector.analyze(text, earlier).as_dict()

    async def _ask_bot(
        self, shopper_id: str, conversation_id: str, text: str, state: Dict[str, str]
    ) -> List[Message]:
        await self.conversations.publish(conversation_id, {"type": "typing", "sender": "bot"})
        try:
            if state.get("resume_pending"):
                await self._resume_bot(conversation_id, state["resume_pending"])
            replies = await self.rasa.send(conversation_id, text, {"shopper_id": shopper_id})
        except RasaUnavailable as exc:
            logger.warning("gateway.rasa.unavailable conversation=%s error=%s", conversation_id, exc)
            notice = Message(sender="system", text=self.texts.for_shopper("bot_unavailable"), at=self.clock())
            return [await self.conversations.append(conversation_id, notice)]
        answers = []
        for reply in replies:
            answer = Message(
                sender="bot",
                text=str(reply.get("text") or ""),
                at=self.clock(),
                buttons=list(reply.get("buttons") or []),
                custom=reply.get("custom") if isinstance(reply.get("custom"), dict) else None,
            )
            answers.append(await self.conversations.append(conversation_id, answer))
        return answers

    async def rate(self, shopper_id: str, conversation_id: str, ticket_id: Any, score: Any) -> Message:
        ticket = await self.queue.get(str(ticket_id)) if isinstance(ticket_id, str) else None
        if ticket is None or ticket.conversation_id != conversation_id or ticket.shopper_id != shopper_id:
            raise BridgeError("not_your_conversation", status=403)
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise BridgeError("rating_invalid")
        if not await self.queue.rate(ticket.ticket_id, score):
            raise BridgeError("rating_not_allowed", status=409)
        thanks = Message(sender="system", text=self.texts.for_shopper("rating_thanks"), at=self.clock())
        return await self.conversations.append(conversation_id, thanks)

    async def position(self, conversation_id: str) -> Optional[int]:
        ticket_id = await self.queue.open_ticket_id(conversation_id)
        return await self.queue.position(ticket_id) if ticket_id else None

    # --- agents --------------------------------------------------------------------------------
    async def _held_ticket(self, agent: Agent, ticket_id: str) -> Ticket:
        ticket = await self.queue.get(ticket_id)
        if ticket is None:
            raise BridgeError("ticket_not_found", status=404)
        if ticket.status != TICKET_CLAIMED or ticket.agent_id != agent.agent_id:
            raise BridgeError("not_yours", status=409)
        return ticket

    async def _tell_shopper(self, conversation_id: str, code: str, custom: Optional[Dict[str, Any]] = None,
                            **values: Any) -> Message:
        notice = Message(sender="system", text=self.texts.for_shopper(code, **values), at=self.clock(),
                         custom=custom)
        return await self.conversations.append(conversation_id, notice)

    async def claim(self, agent: Agent, ticket_id: Optional[str] = None) -> Ticket:
        """Claim one ticket, or the head of the queue when no id is given."""
        within = self.policy.answer_within_seconds
        if ticket_id is None:
            ticket = await self.queue.claim_next(agent.agent_id, within)
            if ticket is None:
                raise BridgeError("queue_empty", status=404)
        else:
            ticket = await self.queue.claim(ticket_id, agent.agent_id, within)
            if ticket is None:
                raise BridgeError(
                    "already_claimed" if await self.queue.get(ticket_id) else "ticket_not_found", status=409
                )
        await self._tell_shopper(ticket.conversation_id, "agent_joined", agent_name=agent.name)
        logger.info("handoff.ticket.claimed ticket=%s agent=%s", ticket.ticket_id, agent.agent_id)
        return ticket

    async def agent_says(self, agent: Agent, ticket_id: str, text: Any) -> Message:
        if not isinstance(text, str):
            raise BridgeError("bad_request")
        text = text.strip()
        if not text:
            raise BridgeError("empty_message")
        if len(text) > AGENT_MESSAGE_MAX_CHARS:
            raise BridgeError("too_long", status=413, limit=AGENT_MESSAGE_MAX_CHARS)
        ticket = await self._held_ticket(agent, ticket_id)
        message = Message(sender="agent", text=text, at=self.clock(), agent_id=agent.agent_id,
                          agent_name=agent.name)
        await self.conversations.append(ticket.conversation_id, message)
        if ticket.answered_at is None:
            await self.queue.mark_answered(ticket_id, agent.agent_id)
        return message

    async def transfer(self, agent: Agent, ticket_id: str, to_agent_id: Any) -> Ticket:
        ticket = await self._held_ticket(agent, ticket_id)
        target = await self.agents.get(to_agent_id) if isinstance(to_agent_id, str) else None
        if target is None or target.agent_id == agent.agent_id:
            raise BridgeError("unknown_agent", status=404)
        if not await self.queue.transfer(ticket_id, agent.agent_id, target.agent_id,
                                         self.policy.answer_within_seconds):
            raise BridgeError("not_yours", status=409)
        await self._tell_shopper(ticket.conversation_id, "transferred", agent_name=target.name)
        return ticket

    async def resolve(self, agent: Agent, ticket_id: str) -> Ticket:
        """Close the ticket, let the bot take over again, and ask the shopper for a rating."""
        ticket = await self._held_ticket(agent, ticket_id)
        if not await self.queue.resolve(ticket_id, agent.agent_id):
            raise BridgeError("not_yours", status=409)
        await self._return_to_bot(ticket)
        await self._tell_shopper(ticket.conversation_id, "resolved",
                                 custom={"type": "rating_request", "ticket_id": ticket_id})
        return ticket

    async def hand_back(self, agent: Agent, ticket_id: str) -> Ticket:
        ticket = await self._held_ticket(agent, ticket_id)
        if not await self.queue.hand_back(ticket_id, agent.agent_id):
            raise BridgeError("not_yours", status=409)
        await self._return_to_bot(ticket)
        await self._tell_shopper(ticket.conversation_id, "handed_back")
        return ticket

    async def requeue_stale(self) -> List[str]:
        """Give claims of agents who left or did not answer back to the queue (front)."""
        online = await self.queue.online_agents(self.policy.agent_heartbeat_seconds)
        requeued = await self.queue.requeue_stale(online)
        for ticket_id in requeued:
            ticket = await self.queue.get(ticket_id)
            if ticket is not None:
                await self._tell_shopper(ticket.conversation_id, "requeued",
                                         position=await self.queue.position(ticket_id) or 1)
        return requeued

    # --- back to the bot -----------------------------------------------------------------------
    async def _return_to_bot(self, ticket: Ticket) -> None:
        """Mark the resumption pending, then try it now; the next shopper message retries it if Rasa
        is down, so the bot is never left paused."""
        await self.conversations.set_resume_pending(ticket.conversation_id, ticket.ticket_id)
        try:
            async with self.conversations.turn(ticket.conversation_id):
                await self._resume_bot(ticket.conversation_id, ticket.ticket_id)
        except RasaUnavailable as exc:
            logger.warning("handoff.resume.deferred ticket=%s error=%s", ticket.ticket_id, exc)

    async def _resume_bot(self, conversation_id: str, ticket_id: str) -> None:
        """Give Rasa's tracker what was said while a person had the conversation, then resume it.

        Shopper messages go in as user events with the NLU's reading of them (parsed only: the bot
        must not answer them now), the agent's as bot events, in one batch with the resume event.
        """
        ticket = await self.queue.get(ticket_id)
        events: List[Dict[str, Any]] = []
        if ticket is not None:
            for message in await self.conversations.history(conversation_id, since=ticket.created_at):
                if message.sender == "shopper":
                    parse_data = await self.rasa.parse(conversation_id, message.text)
                    events.append({"event": "user", "text": message.text, "timestamp": message.at,
                                   "parse_data": parse_data, "metadata": {"during_handoff": ticket_id}})
                elif message.sender == "agent":
                    events.append({"event": "bot", "text": message.text, "timestamp": message.at,
                                   "metadata": {"agent_id": message.agent_id, "agent_name": message.agent_name}})
        events += [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        await self.rasa.append_events(conversation_id, events)
        await self.conversations.clear_resume_pending(conversation_id, ticket_id)
        logger.info("handoff.resume.done conversation=%s ticket=%s", conversation_id, ticket_id)
