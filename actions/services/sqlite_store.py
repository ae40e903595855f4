"""OrderStore on a local SQLite file: the demo backend and the default one.

Each call opens its own short-lived connection inside a worker thread (asyncio.to_thread), so the
event loop never blocks and no connection is shared between threads. Writes take the database
write lock up front (BEGIN IMMEDIATE), which makes every check-then-update one atomic step.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from actions.services.models import (
    MODIFIABLE_STATUSES,
    AfterSalesKind,
    AfterSalesRecord,
    Coupon,
    Order,
    OrderItem,
    OrderStatus,
    ReturnKind,
    ReturnRecord,
    ReturnStatus,
    Shipment,
    Shopper,
    TrackingEvent,
)
from actions.services.store import OrderNotFound, OrderNotModifiable, StoreError

SCHEMA_PATH = Path(__file__).with_name("schema.sql")
_BUSY_TIMEOUT_SECONDS = 5.0
_CENT = Decimal("0.01")

T = TypeVar("T")


def create_schema(db_path: Path) -> None:
    """Create the tables in a new database file (and its parent directories)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(db_path)
        try:
            conn.executescript(SCHEMA_PATH.read_text(encoding="utf-8"))
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot create the order database at {db_path}: {exc}") from exc


def normalize_tracking_number(tracking_number: str) -> str:
    return re.sub(r"\s+", "", tracking_number).upper()


def money_text(amount: Decimal) -> str:
    return str(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def time_text(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: the order store needs timezone-aware times")
    return moment.isoformat(timespec="seconds")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


_ORDER_COLUMNS = (
    "order_id, shopper_id, status, total_amount, address,"
    " created_at, paid_at, shipped_at, delivered_at, cancelled_at"
)

_RETURN_SELECT = (
    "SELECT r.id, r.order_id, r.shopper_id, r.item_id, r.kind, r.reason, r.status,"
    " r.refund_amount, r.free_shipping, r.pickup, r.created_at, r.updated_at, i.name AS item_name"
    " FROM returns AS r JOIN order_items AS i ON i.item_id = r.item_id"
)

# Why an order cannot be cancelled or get a new address (see OrderNotModifiable).
_MODIFY_BLOCKED = {
    OrderStatus.CANCELLED: "already_cancelled",
    OrderStatus.SHIPPED: "shipped",
    OrderStatus.DELIVERED: "shipped",
    OrderStatus.RETURNING: "after_sales",
    OrderStatus.REFUNDED: "after_sales",
}

# Why a return cannot be opened; only delivered orders can be returned. The codes match
# check_return's for the shipped returns.yml.
_RETURN_BLOCKED = {
    OrderStatus.UNPAID: "not_delivered",
    OrderStatus.PAID: "not_delivered",
    OrderStatus.SHIPPED: "not_delivered",
    OrderStatus.RETURNING: "already_returning",
    OrderStatus.CANCELLED: "not_returnable",
    OrderStatus.REFUNDED: "not_returnable",
}


class SQLiteOrderStore:
    def __init__(self, db_path: Path | str, clock: Callable[[], datetime] | None = None) -> None:
        self._db_path = Path(db_path)
        self._clock = clock or partial(datetime.now, ZoneInfo("Asia/Shanghai"))

    # --- plumbing ---

    def _connect(self) -> sqlite3.Connection:
        # mode=rw: a missing file is an error instead of a new empty database.
        uri = f"{self._db_path.resolve().as_uri()}?mode=rw"
        conn = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _run_sync(self, work: Callable[[sqlite3.Connection], T], write: bool) -> T:
        try:
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                result = work(conn)
                conn.execute("COMMIT")
                return result
            finally:
                conn.close()  # rolls back anything left uncommitted
        except sqlite3.Error as exc:
            raise StoreError(f"order database {self._db_path} unavailable: {exc}") from exc

    async def _run(self, work: Callable[[sqlite3.Connection], T], write: bool = False) -> T:
        return await asyncio.to_thread(self._run_sync, work, write)

    def _now(self) -> datetime:
        return self._clock().replace(microsecond=0)

    # --- reads ---

    async def get_shopper(self, shopper_id: str) -> Shopper | None:
        def work(conn: sqlite3.Connection) -> Shopper | None:
            row = conn.execute(
                "SELECT shopper_id, name, phone, vip FROM users WHERE shopper_id = ?", (shopper_id,)
            ).fetchone()
            if row is None:
                return None
            return Shopper(row["shopper_id"], row["name"], row["phone"], bool(row["vip"]))

        return await self._run(work)

    async def recent_orders(self, shopper_id: str, limit: int = 5) -> list[Order]:
        if limit < 1:
            raise ValueError("limit must be at least 1")

        def work(conn: sqlite3.Connection) -> list[Order]:
            rows = conn.execute(
                f"SELECT {_ORDER_COLUMNS} FROM orders WHERE shopper_id = ?"
                " ORDER BY created_at DESC, order_id DESC LIMIT ?",
                (shopper_id, limit),
            ).fetchall()
            return _orders_with_items(conn, rows)

        return await self._run(work)

    async def get_order(self, shopper_id: str, order_id: str) -> Order | None:
        return await self._run(
            partial(_select_order, shopper_id=shopper_id, order_id=order_id.strip())
        )

    async def get_shipment(self, shopper_id: str, order_id: str) -> Shipment | None:
        def work(conn: sqlite3.Connection) -> Shipment | None:
            row = conn.execute(
                "SELECT s.order_id, s.carrier, s.tracking_number, s.shipped_at,"
                " s.expected_delivery, o.delivered_at FROM shipments AS s JOIN orders AS o ON o.order_id = s.order_id"
                " WHERE o.shopper_id = ? AND o.order_id = ?",
                (shopper_id, order_id.strip()),
            ).fetchone()
            if row is None:
                return None
            events = conn.execute(
                "SELECT time, location, description FROM tracking_events WHERE order_id = ?"
                " ORDER BY time, event_id",
                (row["order_id"],),
            ).fetchall()
            return Shipment(
                order_id=row["order_id"],
                carrier=row["carrier"],
                tracking_number=row["tracking_number"],
                shipped_at=datetime.fromisoformat(row["shipped_at"]),
                expected_delivery=datetime.fromisoformat(row["expected_delivery"]),
                events=tuple(
                    TrackingEvent(
                        datetime.fromisoformat(e["time"]), e["location"], e["description"]
                    )
                    for e in events
                ),
                delivered_at=_time(row["delivered_at"]),
            )

        return await self._run(work)

    async def find_order_by_tracking(self, shopper_id: str, tracking_number: str) -> Order | None:
        def work(conn: sqlite3.Connection) -> Order | None:
            rows = conn.execute(
                f"SELECT {_ORDER_COLUMNS} FROM orders WHERE shopper_id = ? AND order_id IN"
                " (SELECT order_id FROM shipments WHERE tracking_number = ?)",
                (shopper_id, normalize_tracking_number(tracking_number)),
            ).fetchall()
            orders = _orders_with_items(conn, rows)
            return orders[0] if orders else None

        return await self._run(work)

    async def list_returns(
        self, shopper_id: str, order_id: str | None = None
    ) -> list[ReturnRecord]:
        order_id = None if order_id is None else order_id.strip()

        def work(conn: sqlite3.Connection) -> list[ReturnRecord]:
            rows = conn.execute(
                f"{_RETURN_SELECT} WHERE r.shopper_id = ? AND (? IS NULL OR r.order_id = ?)"
                " ORDER BY r.created_at DESC, r.id DESC",
                (shopper_id, order_id, order_id),
            ).fetchall()
            return [_return_record(row) for row in rows]

        return await self._run(work)

    async def coupons_for_order(self, shopper_id: str, order_id: str) -> list[Coupon]:
        def work(conn: sqlite3.Connection) -> list[Coupon]:
            rows = conn.execute(
                "SELECT id, shopper_id, order_id, amount, reason, created_at FROM coupons"
                " WHERE shopper_id = ? AND order_id = ? ORDER BY id",
                (shopper_id, order_id.strip()),
            ).fetchall()
            return [_coupon(row) for row in rows]

        return await self._run(work)

    # --- writes ---

    async def cancel_order(self, shopper_id: str, order_id: str) -> Order:
        now = self._now()

        def work(conn: sqlite3.Connection) -> Order:
            order = _modifiable_order(conn, shopper_id, order_id.strip())
            conn.execute(
                "UPDATE orders SET status = ?, cancelled_at = ? WHERE order_id = ?",
                (OrderStatus.CANCELLED.value, time_text(now), order.order_id),
            )
            return _require_order(conn, shopper_id, order.order_id)

        return await self._run(work, write=True)

    async def change_address(self, shopper_id: str, order_id: str, address: str) -> Order:
        address = address.strip()
        if not address:
            raise ValueError("address must not be empty")

        def work(conn: sqlite3.Connection) -> Order:
            order = _modifiable_order(conn, shopper_id, order_id.strip())
            conn.execute(
                "UPDATE orders SET address = ? WHERE order_id = ?", (address, order.order_id)
            )
            return _require_order(conn, shopper_id, order.order_id)

        return await self._run(work, write=True)

    async def create_return(
        self,
        shopper_id: str,
        order_id: str,
        item_id: int,
        kind: str,
        reason: str,
        free_shipping: bool,
        pickup: bool,
        refund_amount: Decimal,
    ) -> ReturnRecord:
        return_kind = ReturnKind(kind)
        if not reason:
            raise ValueError("reason must not be empty")
        if refund_amount < 0:
            raise ValueError("refund_amount must not be negative")
        status = ReturnStatus.PICKUP_SCHEDULED if pickup else ReturnStatus.REQUESTED
        now = time_text(self._now())

        def work(conn: sqlite3.Connection) -> ReturnRecord:
            order = _require_order(conn, shopper_id, order_id.strip())
            if order.status is not OrderStatus.DELIVERED:
                raise OrderNotModifiable(order, _RETURN_BLOCKED[order.status])
            item = next((i for i in order.items if i.item_id == item_id), None)
            if item is None:
                raise ValueError(f"item {item_id} is not in order {order.order_id}")
            if refund_amount > item.line_total:
                raise ValueError(
                    f"refund {refund_amount} exceeds the item's price {item.line_total}"
                )
            cursor = conn.execute(
                "INSERT INTO returns (order_id, shopper_id, item_id, kind, reason, status,"
                " refund_amount, free_shipping, pickup, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    order.order_id,
                    shopper_id,
                    item_id,
                    return_kind.value,
                    reason,
                    status.value,
                    money_text(refund_amount),
                    int(free_shipping),
                    int(pickup),
                    now,
                    now,
                ),
            )
            conn.execute(
                "UPDATE orders SET status = ? WHERE order_id = ?",
                (OrderStatus.RETURNING.value, order.order_id),
            )
            row = conn.execute(f"{_RETURN_SELECT} WHERE r.id = ?", (cursor.lastrowid,)).fetchone()
            return _return_record(row)

        return await self._run(work, write=True)

    async def grant_coupon(
        self, shopper_id: str, order_id: str, amount: Decimal, reason: str
    ) -> Coupon | None:
        if amount <= 0:
            raise ValueError("coupon amount must be positive")
        now = time_text(self._now())

        def work(conn: sqlite3.Connection) -> Coupon | None:
            order = _require_order(conn, shopper_id, order_id.strip())
            cursor = conn.execute(
                "INSERT INTO coupons (shopper_id, order_id, amount, reason, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (order_id, reason) DO NOTHING",
                (shopper_id, order.order_id, money_text(amount), reason, now),
            )
            if cursor.rowcount == 0:
                return None
            row = conn.execute(
                "SELECT id, shopper_id, order_id, amount, reason, created_at FROM coupons"
                " WHERE id = ?",
                (cursor.lastrowid,),
            ).fetchone()
            return _coupon(row)

        return await self._run(work, write=True)

    async def create_after_sales(
        self,
        shopper_id: str,
        order_id: str | None,
        kind: str,
        item: str | None,
        description: str,
    ) -> AfterSalesRecord:
        after_sales_kind = AfterSalesKind(kind)
        order_id = None if order_id is None else order_id.strip()
        description = description.strip()
        if not description:
            raise ValueError("description must not be empty")
        now = time_text(self._now())

        def work(conn: sqlite3.Connection) -> AfterSalesRecord:
            if order_id is not None:
                _require_order(conn, shopper_id, order_id)
            cursor = conn.execute(
                "INSERT INTO after_sales_records (shopper_id, order_id, kind, item, description,"
                " status, created_at) VALUES (?, ?, ?, ?, ?, 'open', ?)",
                (
                    shopper_id,
                    order_id,
                    after_sales_kind.value,
                    item,
                    description,
                    now,
                ),
            )
            row = conn.execute(
                "SELECT id, shopper_id, order_id, kind, item, description, status, created_at"
                " FROM after_sales_records WHERE id = ?",
                (cursor.lastrowid,),
            ).fetchone()
            return AfterSalesRecord(
                record_id=f"AS{row['id']}",
                shopper_id=row["shopper_id"],
                order_id=row["order_id"],
                kind=AfterSalesKind(row["kind"]),
                item=row["item"],
                description=row["description"],
                status=row["status"],
                created_at=datetime.fromisoformat(row["created_at"]),
            )

        return await self._run(work, write=True)


def _orders_with_items(conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[Order]:
    if not rows:
        return []
    order_ids = [row["order_id"] for row in rows]
    placeholders = ", ".join("?" * len(order_ids))
    items: dict[str, list[OrderItem]] = {order_id: [] for order_id in order_ids}
    for item in conn.execute(
        "SELECT item_id, order_id, sku, name, quantity, unit_price FROM order_items"
        f" WHERE order_id IN ({placeholders}) ORDER BY item_id",
        order_ids,
    ):
        items[item["order_id"]].append(
            OrderItem(
                item_id=item["item_id"],
                sku=item["sku"],
                name=item["name"],
                quantity=item["quantity"],
                unit_price=Decimal(item["unit_price"]),
            )
        )
    return [
        Order(
            order_id=row["order_id"],
            shopper_id=row["shopper_id"],
            status=OrderStatus(row["status"]),
            total_amount=Decimal(row["total_amount"]),
            created_at=datetime.fromisoformat(row["created_at"]),
            paid_at=_time(row["paid_at"]),
            shipped_at=_time(row["shipped_at"]),
            delivered_at=_time(row["delivered_at"]),
            address=row["address"],
            items=tuple(items[row["order_id"]]),
            cancelled_at=_time(row["cancelled_at"]),
        )
        for row in rows
    ]


def _select_order(conn: sqlite3.Connection, shopper_id: str, order_id: str) -> Order | None:
    rows = conn.execute(
        f"SELECT {_ORDER_COLUMNS} FROM orders WHERE shopper_id = ? AND order_id = ?",
        (shopper_id, order_id),
    ).fetchall()
    orders = _orders_with_items(conn, rows)
    return orders[0] if orders else None


def _require_order(conn: sqlite3.Connection, shopper_id: str, order_id: str) -> Order:
    order = _select_order(conn, shopper_id, order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order


def _modifiable_order(conn: sqlite3.Connection, shopper_id: str, order_id: str) -> Order:
    order = _require_order(conn, shopper_id, order_id)
    if order.status not in MODIFIABLE_STATUSES:
        raise OrderNotModifiable(order, _MODIFY_BLOCKED[order.status])
    return order


def _return_record(row: sqlite3.Row) -> ReturnRecord:
    return ReturnRecord(
        return_id=f"R{row['id']}",
        order_id=row["order_id"],
        shopper_id=row["shopper_id"],
        item_id=row["item_id"],
        kind=ReturnKind(row["kind"]),
        reason=row["reason"],
        status=ReturnStatus(row["status"]),
        refund_amount=Decimal(row["refund_amount"]),
        free_shipping=bool(row["free_shipping"]),
        pickup=bool(row["pickup"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        item_name=row["item_name"],
    )


def _coupon(row: sqlite3.Row) -> Coupon:
    return Coupon(
        coupon_id=f"CP{row['id']}",
        shopper_id=row["shopper_id"],
        order_id=row["order_id"],
        amount=Decimal(row["amount"]),
        reason=row["reason"],
        created_at=datetime.fromisoformat(row["created_at"]),
    )
