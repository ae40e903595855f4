import re
import sqlite3
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from actions.services.models import OrderStatus
from actions.services.policies import assess_delay, check_return, load_policies
from actions.services.seed import main, seed
from actions.services.settings import PROJECT_ROOT
from actions.services.sqlite_store import SQLiteOrderStore

POLICIES = PROJECT_ROOT / "data" / "policies"
TRACKING_FORMATS = {"顺丰速运": r"SF\d{13}", "京东物流": r"JDX\d{12}", "中通快递": r"75\d{12}"}


def _dump(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_every_order_has_a_fixed_twelve_digit_id_and_u1001_has_every_state(
    seeded_db: Path, demo_now: datetime
) -> None:
    orders = seed(seeded_db, demo_now)

    assert all(re.fullmatch(r"\d{12}", order.order_id) for order in orders)
    assert len({order.order_id for order in orders}) == len(orders)
    assert {o.status for o in orders if o.shopper_id == "u1001"} == set(OrderStatus)
    assert all(o.order_id.startswith("8000000001") for o in orders if o.shopper_id == "u1001")
    assert {o.shopper_id for o in orders} == {"u1001", "u1002", "u1003"}


@pytest.mark.asyncio
async def test_the_table_matches_the_database(
    seeded_db: Path, demo_now: datetime, order_store: SQLiteOrderStore
) -> None:
    for row in seed(seeded_db, demo_now):
        order = await order_store.get_order(row.shopper_id, row.order_id)
        assert order is not None and order.status is row.status
        assert order.total_amount == sum(item.line_total for item in order.items)
        assert order.created_at <= demo_now


@pytest.mark.asyncio
async def test_shipments_look_real(order_store: SQLiteOrderStore) -> None:
    shipments = []
    for shopper_id in ("u1001", "u1002", "u1003"):
        for order in await order_store.recent_orders(shopper_id, limit=20):
            shipment = await order_store.get_shipment(shopper_id, order.order_id)
            assert (shipment is None) == (order.shipped_at is None)
            if shipment is not None:
                shipments.append(shipment)

    assert len(shipments) >= 10
    for shipment in shipments:
        assert re.fullmatch(TRACKING_FORMATS[shipment.carrier], shipment.tracking_number)
        assert 3 <= len(shipment.events) <= 6
        assert [e.time for e in shipment.events] == sorted(e.time for e in shipment.events)
        assert all(
            re.search(r"[\u4e00-\u9fff]", e.description) and e.location.endswith("市")
            for e in shipment.events
        )
        if shipment.delivered_at is not None:
            assert shipment.last_update == shipment.delivered_at
            assert "签收" in shipment.events[-1].description


@pytest.mark.asyncio
async def test_demo_delays(order_store: SQLiteOrderStore, demo_now: datetime) -> None:
    policy = load_policies(POLICIES).compensation
    delayed = await order_store.get_shipment("u1001", "800000000104")
    on_time = await order_store.get_shipment("u1001", "800000000103")
    very_late = await order_store.get_shipment("u1003", "800000000303")
    assert delayed is not None and on_time is not None and very_late is not None

    assert delayed.expected_delivery == demo_now - timedelta(days=2)
    assert demo_now - delayed.last_update == timedelta(hours=50)
    assert assess_delay(delayed, demo_now, policy).coupon_amount > 0
    assert not assess_delay(delayed, demo_now, policy).needs_human
    assert not assess_delay(on_time, demo_now, policy).delayed
    assert assess_delay(very_late, demo_now, policy).needs_human
    assert await order_store.coupons_for_order("u1001", "800000000104") == []
    assert len(await order_store.coupons_for_order("u1002", "800000000202")) == 1


@pytest.mark.asyncio
async def test_demo_return_windows(order_store: SQLiteOrderStore, demo_now: datetime) -> None:
    policy = load_policies(POLICIES).returns
    recent = await order_store.get_order("u1001", "800000000105")
    old = await order_store.get_order("u1001", "800000000106")
    assert recent is not None and old is not None

    assert recent.delivered_at == demo_now - timedelta(days=2)
    assert old.delivered_at == demo_now - timedelta(days=10)
    assert check_return(recent, "no_reason", "return", demo_now, policy).allowed
    assert check_return(old, "no_reason", "return", demo_now, policy).code == "window_expired"
    assert check_return(old, "quality", "return", demo_now, policy).allowed


@pytest.mark.asyncio
async def test_demo_returns(order_store: SQLiteOrderStore) -> None:
    returns = {r.order_id: r for r in await order_store.list_returns("u1001")}

    assert returns["800000000107"].status.value == "pickup_scheduled"
    assert returns["800000000108"].status.value == "refunded"
    assert returns["800000000108"].refund_amount == Decimal("399.00")


def test_same_now_gives_the_same_database(tmp_path: Path, demo_now: datetime) -> None:
    seed(tmp_path / "a.db", demo_now)
    seed(tmp_path / "b.db", demo_now)

    assert _dump(tmp_path / "a.db") == _dump(tmp_path / "b.db")


@pytest.mark.asyncio
async def test_seeding_again_replaces_the_database(
    seeded_db: Path, demo_now: datetime, order_store: SQLiteOrderStore
) -> None:
    await order_store.cancel_order("u1001", "800000000101")
    seed(seeded_db, demo_now)

    order = await order_store.get_order("u1001", "800000000101")
    assert order is not None and order.status is OrderStatus.UNPAID


def test_naive_now_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        seed(tmp_path / "kefu.db", datetime(2024, 11, 25, 10))


def test_command_line_prints_the_demo_orders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KEFU_TIMEZONE", raising=False)
    db_path = tmp_path / "sub" / "kefu.db"

    main(["--db", str(db_path), "--now", "2024-11-25T10:00:00"])

    out = capsys.readouterr().out
    assert db_path.exists()
    assert "2024-11-25T10:00:00+08:00" in out
    assert re.search(r"u1001\s+800000000104\s+shipped", out)
