"""Rasa without its Redis: the shopper is told, and nothing is kept in process memory instead."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, List, Tuple

from tests.redis_server import RedisServer


def say(rasa_url: str, sender: str, text: str) -> Tuple[int, List[Dict[str, Any]]]:
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text, "metadata": {"shopper_id": "u1001"}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def user_texts(rasa_url: str, token: str, sender: str) -> List[str]:
    with urllib.request.urlopen(f"{rasa_url}/conversations/{sender}/tracker?token={token}", timeout=30) as response:
        tracker = json.loads(response.read())
    return [e.get("text") for e in tracker["events"] if e.get("event") == "user"]


def test_a_message_while_redis_is_down_is_refused_not_kept_in_memory(stack):
    redis = RedisServer(stack.workdir / "redis-down-test")
    redis.start()
    rasa_url, _ = stack.start_rasa(REDIS_PORT=str(redis.port))
    sender = "down-" + uuid.uuid4().hex[:8]
    try:
        status, replies = say(rasa_url, sender, "你好")
        assert status == 200 and replies and "故障" not in replies[0]["text"]

        redis.stop()
        status, replies = say(rasa_url, sender, "我的订单到哪了")
        assert status == 503
        assert [r["text"] for r in replies] == ["抱歉，系统暂时出现故障，这条消息没有处理成功，请稍后重新发送。"]

        redis.start()
        status, replies = say(rasa_url, sender, "谢谢")
        assert status == 200 and replies
        assert user_texts(rasa_url, stack.token, sender) == ["你好", "谢谢"]
    finally:
        redis.stop()
