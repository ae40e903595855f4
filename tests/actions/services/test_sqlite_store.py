import asyncio
import re
import sys
import types
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from actions.services.models import (
    AfterSalesKind,
    CouponReason,
    OrderStatus,
    ReturnKind,
    ReturnStatus,
)
from actions.services.settings import PROJECT_ROOT, Settings
from actions.services.sqlite_store import SQLiteOrderStore
from actions.services.store import (
    OrderNotFound,
    OrderNotModifiable,
    StoreError,
    open_store,
)

# Demo orders (actions/services/seed.py).
UNPAID, PAID, SHIPPED, DELAYED = "800000000101", "800000000102", "800000000103", "800000000104"
DELIVERED, DELIVERED_LONG_AGO = "800000000105", "800000000106"
RETURNING, REFUNDED, CANCELLED = "800000000107", "800000000108", "800000000109"
LI_NA_DELIVERED, LI_NA_DELAYED_WITH_COUPON = "800000000201", "800000000202"
LI_NA_TRACKING = "SF1428836621490"
DELAY = CouponReason.DELIVERY_DELAY.value


@pytest.mark.asyncio
async def test_get_shopper(order_store: SQLiteOrderStore) -> None:
    shopper = await order_store.get_shopper("u1002")

    assert shopper is not None
    assert (shopper.name, shopper.vip) == ("李娜", True)
    assert "****" in shopper.phone
    assert await order_store.get_shopper("u9999") is None


@pytest.mark.asyncio
async def test_recent_orders_are_newest_first_and_only_the_shoppers(
    order_store: SQLiteOrderStore,
) -> None:
    orders = await order_store.recent_orders("u1001", limit=20)

    assert len(orders) == 9
    assert all(order.shopper_id == "u1001" for order in orders)
    assert [o.created_at for o in orders] == sorted((o.created_at for o in orders), reverse=True)
    assert [o.order_id for o in await order_store.recent_orders("u1001")] == [
        o.order_id for o in orders[:5]
    ]
    assert await order_store.recent_orders("u9999") == []


@pytest.mark.asyncio
async def test_get_order_reads_items_and_money_as_decimal(order_store: SQLiteOrderStore) -> None:
    order = await order_store.get_order("u1001", f" {DELIVERED} ")

    assert order is not None
    assert order.status is OrderStatus.DELIVERED
    assert order.total_amount == Decimal("197.90")
    assert [(i.name, i.quantity, i.unit_price) for i in order.items] == [
        ("优衣库 男士纯棉圆领T恤 白色 L", 2, Decimal("79.00")),
        ("南极人 纯棉袜子 5双装", 1, Decimal("39.90")),
    ]
    assert sum(item.line_total for item in order.items) == order.total_amount
    assert (
        order.delivered_at is not None
        and order.delivered_at.utcoffset().total_seconds() == 8 * 3600
    )
    assert await order_store.get_order("u1001", "000000000000") is None


@pytest.mark.asyncio
async def test_shipment_events_are_oldest_first(order_store: SQLiteOrderStore) -> None:
    shipment = await order_store.get_shipment("u1001", SHIPPED)

    assert shipment is not None
    assert shipment.carrier == "顺丰速运"
    assert [e.time for e in shipment.events] == sorted(e.time for e in shipment.events)
    assert shipment.last_update == shipment.events[-1].time
    assert shipment.last_event == shipment.events[-1]
    assert shipment.delivered_at is None
    assert await order_store.get_shipment("u1001", UNPAID) is None


@pytest.mark.asyncio
async def test_find_order_by_tracking_ignores_case_and_spaces(
    order_store: SQLiteOrderStore,
) -> None:
    order = await order_store.find_order_by_tracking("u1001", " sf 1428836610352 ")

    assert order is not None and order.order_id == SHIPPED
    assert await order_store.find_order_by_tracking("u1001", "SF0000000000000") is None


@pytest.mark.asyncio
async def test_another_shoppers_order_behaves_like_an_unknown_one(
    order_store: SQLiteOrderStore,
) -> None:
    assert await order_store.get_order("u1001", LI_NA_DELIVERED) is None
    assert await order_store.get_shipment("u1001", LI_NA_DELIVERED) is None
    assert await order_store.find_order_by_tracking("u1001", LI_NA_TRACKING) is None
    assert await order_store.coupons_for_order("u1001", LI_NA_DELAYED_WITH_COUPON) == []
    assert await order_store.list_returns("u1001", LI_NA_DELIVERED) == []
    with pytest.raises(OrderNotFound):
        await order_store.cancel_order("u1001", "800000000203")
    with pytest.raises(OrderNotFound):
        await order_store.change_address("u1001", "800000000203", "上海市黄浦区南京东路1号")
    with pytest.raises(OrderNotFound):
        await order_store.create_return(
            "u1001", LI_NA_DELIVERED, 1, "return", "quality", True, True, Decimal(0)
        )
    with pytest.raises(OrderNotFound):
        await order_store.grant_coupon("u1001", LI_NA_DELAYED_WITH_COUPON, Decimal(10), DELAY)
    with pytest.raises(OrderNotFound):
        await order_store.create_after_sales(
            "u1001", LI_NA_DELIVERED, "complaint", None, "快递员态度很差，东西直接扔门口"
        )

    unchanged = await order_store.get_order("u1002", "800000000203")
    assert unchanged is not None and unchanged.status is OrderStatus.PAID
    assert await order_store.list_returns("u1002") == []


@pytest.mark.asyncio
@pytest.mark.parametrize("order_id", [UNPAID, PAID])
async def test_cancel_before_shipping(
    order_store: SQLiteOrderStore, demo_now: datetime, order_id: str
) -> None:
    before = await order_store.get_order("u1001", order_id)
    assert before is not None and before.can_cancel

    cancelled = await order_store.cancel_order("u1001", order_id)

    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.cancelled_at == demo_now
    assert not cancelled.can_cancel
    assert await order_store.get_order("u1001", order_id) == cancelled


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("order_id", "reason"),
    [
        (SHIPPED, "shipped"),
        (DELIVERED, "shipped"),
        (CANCELLED, "already_cancelled"),
        (RETURNING, "after_sales"),
        (REFUNDED, "after_sales"),
    ],
)
async def test_cancel_is_refused_after_shipping(
    order_store: SQLiteOrderStore, order_id: str, reason: str
) -> None:
    before = await order_store.get_order("u1001", order_id)
    assert before is not None and not before.can_cancel

    with pytest.raises(OrderNotModifiable) as caught:
        await order_store.cancel_order("u1001", order_id)

    assert caught.value.reason == reason
    assert caught.value.order == before
    assert await order_store.get_order("u1001", order_id) == before


@pytest.mark.asyncio
async def test_change_address_before_shipping(order_store: SQLiteOrderStore) -> None:
    changed = await order_store.change_address(
        "u1001", PAID, "  上海市徐汇区漕溪北路88号圣爱大厦15楼  "
    )

    assert changed.address == "上海市徐汇区漕溪北路88号圣爱大厦15楼"
    assert changed.status is OrderStatus.PAID
    assert await order_store.get_order("u1001", PAID) == changed


@pytest.mark.asyncio
async def test_change_address_is_refused_after_shipping(order_store: SQLiteOrderStore) -> None:
    with pytest.raises(OrderNotModifiable) as caught:
        await order_store.change_address("u1001", SHIPPED, "上海市徐汇区漕溪北路88号")

    assert caught.value.reason == "shipped"
    with pytest.raises(ValueError):
        await order_store.change_address("u1001", PAID, "   ")


@pytest.mark.asyncio
async def test_coupon_is_granted_once_per_order(
    order_store: SQLiteOrderStore, demo_now: datetime
) -> None:
    coupon = await order_store.grant_coupon("u1001", DELAYED, Decimal(10), DELAY)

    assert coupon is not None
    assert re.fullmatch(r"CP\d+", coupon.coupon_id)
    assert (coupon.amount, coupon.reason, coupon.created_at) == (Decimal("10.00"), DELAY, demo_now)
    assert await order_store.grant_coupon("u1001", DELAYED, Decimal(20), DELAY) is None
    assert await order_store.coupons_for_order("u1001", DELAYED) == [coupon]
    assert (
        await order_store.grant_coupon("u1002", LI_NA_DELAYED_WITH_COUPON, Decimal(10), DELAY)
        is None
    )


@pytest.mark.asyncio
async def test_racing_coupon_grants_give_one_coupon(order_store: SQLiteOrderStore) -> None:
    results = await asyncio.gather(
        *(order_store.grant_coupon("u1001", DELAYED, Decimal(10), DELAY) for _ in range(8))
    )

    assert len([coupon for coupon in results if coupon is not None]) == 1
    assert len(await order_store.coupons_for_order("u1001", DELAYED)) == 1


@pytest.mark.asyncio
async def test_create_and_list_returns(order_store: SQLiteOrderStore, demo_now: datetime) -> None:
    order = await order_store.get_order("u1001", DELIVERED)
    assert order is not None
    socks = order.items[1]

    record = await order_store.create_return(
        "u1001", DELIVERED, socks.item_id, "return", "no_reason", False, True, socks.line_total
    )

    assert re.fullmatch(r"R\d+", record.return_id)
    assert (record.kind, record.reason, record.status) == (
        ReturnKind.RETURN,
        "no_reason",
        ReturnStatus.PICKUP_SCHEDULED,
    )
    assert (record.refund_amount, record.free_shipping, record.pickup) == (
        Decimal("39.90"),
        False,
        True,
    )
    assert record.item_name == socks.name
    assert record.created_at == record.updated_at == demo_now
    after = await order_store.get_order("u1001", DELIVERED)
    assert after is not None and after.status is OrderStatus.RETURNING

    all_returns = await order_store.list_returns("u1001")
    assert all_returns[0] == record
    assert {r.order_id for r in all_returns} == {DELIVERED, RETURNING, REFUNDED}
    assert await order_store.list_returns("u1001", DELIVERED) == [record]

    with pytest.raises(OrderNotModifiable) as caught:
        await order_store.create_return(
            "u1001", DELIVERED, order.items[0].item_id, "exchange", "size", False, False, Decimal(0)
        )
    assert caught.value.reason == "already_returning"


@pytest.mark.asyncio
async def test_exchange_without_pickup_is_requested(order_store: SQLiteOrderStore) -> None:
    order = await order_store.get_order("u1001", DELIVERED_LONG_AGO)
    assert order is not None

    record = await order_store.create_return(
        "u1001",
        DELIVERED_LONG_AGO,
        order.items[0].item_id,
        "exchange",
        "quality",
        True,
        False,
        Decimal(0),
    )

    assert (record.kind, record.status, record.refund_amount) == (
        ReturnKind.EXCHANGE,
        ReturnStatus.REQUESTED,
        Decimal(0),
    )


@pytest.mark.asyncio
async def test_racing_returns_on_one_order_open_one(order_store: SQLiteOrderStore) -> None:
    order = await order_store.get_order("u1001", DELIVERED)
    assert order is not None

    results = await asyncio.gather(
        *(
            order_store.create_return(
                "u1001", DELIVERED, item.item_id, "return", "quality", True, True, Decimal(0)
            )
            for item in order.items
        ),
        return_exceptions=True,
    )

    assert len([r for r in results if isinstance(r, OrderNotModifiable)]) == 1
    assert len(await order_store.list_returns("u1001", DELIVERED)) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("order_id", "reason"),
    [(SHIPPED, "not_delivered"), (RETURNING, "already_returning"), (CANCELLED, "not_returnable")],
)
async def test_return_needs_a_delivered_order(
    order_store: SQLiteOrderStore, order_id: str, reason: str
) -> None:
    order = await order_store.get_order("u1001", order_id)
    assert order is not None

    with pytest.raises(OrderNotModifiable) as caught:
        await order_store.create_return(
            "u1001", order_id, order.items[0].item_id, "return", "quality", True, True, Decimal(0)
        )

    assert caught.value.reason == reason


@pytest.mark.asyncio
async def test_return_arguments_are_checked(order_store: SQLiteOrderStore) -> None:
    order = await order_store.get_order("u1001", DELIVERED)
    other = await order_store.get_order("u1001", DELIVERED_LONG_AGO)
    assert order is not None and other is not None
    tee = order.items[0]

    with pytest.raises(ValueError, match="not in order"):
        await order_store.create_return(
            "u1001", DELIVERED, other.items[0].item_id, "return", "size", False, True, Decimal(0)
        )
    with pytest.raises(ValueError, match="exceeds"):
        await order_store.create_return(
            "u1001", DELIVERED, tee.item_id, "return", "size", False, True, tee.line_total + 1
        )
    with pytest.raises(ValueError):
        await order_store.create_return(
            "u1001", DELIVERED, tee.item_id, "swap", "size", False, True, Decimal(0)
        )
    assert await order_store.list_returns("u1001", DELIVERED) == []


@pytest.mark.asyncio
async def test_create_after_sales_records(
    order_store: SQLiteOrderStore, demo_now: datetime
) -> None:
    with_order = await order_store.create_after_sales(
        "u1001", DELIVERED, "package_damaged", "南极人 纯棉袜子 5双装", "外包装破了，少了一双袜子"
    )
    without_order = await order_store.create_after_sales(
        "u1001", None, "payment_problem", None, "付款时一直提示支付失败"
    )

    assert re.fullmatch(r"AS\d+", with_order.record_id)
    assert with_order.record_id != without_order.record_id
    assert (with_order.kind, with_order.order_id, with_order.status) == (
        AfterSalesKind.PACKAGE_DAMAGED,
        DELIVERED,
        "open",
    )
    assert with_order.created_at == demo_now
    assert (without_order.order_id, without_order.item) == (None, None)
    with pytest.raises(ValueError):
        await order_store.create_after_sales("u1001", None, "unknown_kind", None, "随便说说")


@pytest.mark.asyncio
async def test_missing_database_is_a_store_error_and_is_not_created(tmp_path: Path) -> None:
    db_path = tmp_path / "missing.db"

    with pytest.raises(StoreError) as caught:
        await SQLiteOrderStore(db_path).get_order("u1001", UNPAID)

    assert type(caught.value) is StoreError
    assert not db_path.exists()


@pytest.mark.asyncio
async def test_directory_as_database_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        await SQLiteOrderStore(tmp_path).recent_orders("u1001")

    assert type(caught.value) is StoreError


@pytest.mark.asyncio
async def test_garbage_file_is_a_store_error(tmp_path: Path) -> None:
    db_path = tmp_path / "garbage.db"
    db_path.write_bytes(b"this is not a database\n" * 100)
    store = SQLiteOrderStore(db_path)

    with pytest.raises(StoreError):
        await store.get_shopper("u1001")
    with pytest.raises(StoreError):
        await store.grant_coupon("u1001", DELAYED, Decimal(10), DELAY)


def test_settings_defaults_are_under_the_project_root() -> None:
    settings = Settings.from_env({})

    assert settings.db_path == PROJECT_ROOT / ".run" / "kefu.db"
    assert settings.policies_dir == PROJECT_ROOT / "data" / "policies"
    assert (settings.order_store, settings.timezone) == ("sqlite", "Asia/Shanghai")
    assert (PROJECT_ROOT / "domain.yml").exists()


def test_settings_from_env(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "KEFU_DB_PATH": str(tmp_path / "x.db"),
            "KEFU_POLICIES_DIR": "elsewhere",
            "KEFU_TIMEZONE": "Asia/Chongqing",
        }
    )

    assert settings.db_path == tmp_path / "x.db"
    assert settings.policies_dir == PROJECT_ROOT / "elsewhere"
    assert settings.tzinfo.key == "Asia/Chongqing"
    with pytest.raises(ValueError, match="KEFU_TIMEZONE"):
        Settings.from_env({"KEFU_TIMEZONE": "Mars/Olympus"})


@pytest.mark.asyncio
async def test_open_store_builds_sqlite_on_the_configured_file(seeded_db: Path) -> None:
    store = open_store(Settings.from_env({"KEFU_DB_PATH": str(seeded_db)}))

    assert isinstance(store, SQLiteOrderStore)
    assert await store.get_order("u1001", UNPAID) is not None


def test_open_store_plugs_in_a_shops_own_store(monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = object()
    module = types.ModuleType("shop_orders")
    module.open_shop_store = lambda settings: (sentinel, settings)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "shop_orders", module)
    settings = Settings.from_env({"KEFU_ORDER_STORE": "shop_orders:open_shop_store"})

    assert open_store(settings) == (sentinel, settings)
    with pytest.raises(ValueError, match="unknown order store"):
        open_store(Settings.from_env({"KEFU_ORDER_STORE": "mysql"}))
