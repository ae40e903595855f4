-- Demo order database of kefu (SQLite). Created by `python -m actions.services.seed`.
-- Times are ISO 8601 text with the shop's UTC offset (e.g. 2024-11-25T10:00:00+08:00);
-- money is decimal text in yuan (e.g. '199.00'), never a float.

PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;

CREATE TABLE users (
    shopper_id TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL,                    -- stored masked: 138****5621
    vip        INTEGER NOT NULL DEFAULT 0 CHECK (vip IN (0, 1))
);

CREATE TABLE orders (
    order_id     TEXT PRIMARY KEY CHECK (length(order_id) = 12),
    shopper_id   TEXT NOT NULL REFERENCES users (shopper_id),
    status       TEXT NOT NULL CHECK (status IN
                     ('unpaid', 'paid', 'shipped', 'delivered', 'cancelled', 'returning', 'refunded')),
    total_amount TEXT NOT NULL,
    address      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    paid_at      TEXT,
    shipped_at   TEXT,
    delivered_at TEXT,
    cancelled_at TEXT
);
CREATE INDEX orders_by_shopper ON orders (shopper_id, created_at);

CREATE TABLE order_items (
    item_id    INTEGER PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders (order_id),
    sku        TEXT NOT NULL,
    name       TEXT NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    unit_price TEXT NOT NULL
);
CREATE INDEX order_items_by_order ON order_items (order_id);

-- One parcel per order.
CREATE TABLE shipments (
    order_id          TEXT PRIMARY KEY REFERENCES orders (order_id),
    carrier           TEXT NOT NULL,
    tracking_number   TEXT NOT NULL UNIQUE,      -- upper case, no spaces
    shipped_at        TEXT NOT NULL,
    expected_delivery TEXT NOT NULL
);

CREATE TABLE tracking_events (
    event_id    INTEGER PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES shipments (order_id),
    time        TEXT NOT NULL,
    location    TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE INDEX tracking_events_by_order ON tracking_events (order_id, time);

-- Public ids are a prefix plus the row id: returns R10000001, coupons CP10000001,
-- after-sales records AS10000001 (the sequences start at 10000001, see the end of this file).
CREATE TABLE returns (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id      TEXT NOT NULL REFERENCES orders (order_id),
    shopper_id    TEXT NOT NULL REFERENCES users (shopper_id),
    item_id       INTEGER NOT NULL REFERENCES order_items (item_id),
    kind          TEXT NOT NULL CHECK (kind IN ('return', 'exchange')),
    reason        TEXT NOT NULL,                 -- a reason code of data/policies/returns.yml
    status        TEXT NOT NULL CHECK (status IN
                      ('requested', 'pickup_scheduled', 'received', 'refunding', 'refunded',
                       'rejected', 'exchanged')),
    refund_amount TEXT NOT NULL,
    free_shipping INTEGER NOT NULL CHECK (free_shipping IN (0, 1)),
    pickup        INTEGER NOT NULL CHECK (pickup IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX returns_by_shopper ON returns (shopper_id, order_id);

CREATE TABLE coupons (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    shopper_id TEXT NOT NULL REFERENCES users (shopper_id),
    order_id   TEXT NOT NULL REFERENCES orders (order_id),
    amount     TEXT NOT NULL,
    reason     TEXT NOT NULL,                    -- e.g. delivery_delay
    created_at TEXT NOT NULL,
    UNIQUE (order_id, reason)                    -- one coupon per order and reason, even under races
);

CREATE TABLE after_sales_records (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    shopper_id  TEXT NOT NULL REFERENCES users (shopper_id),
    order_id    TEXT REFERENCES orders (order_id),
    kind        TEXT NOT NULL CHECK (kind IN
                    ('payment_problem', 'wrong_or_missing_item', 'package_damaged', 'quality_problem',
                     'complaint', 'warranty_repair', 'price_protection')),
    item        TEXT,
    description TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    created_at  TEXT NOT NULL
);
CREATE INDEX after_sales_by_shopper ON after_sales_records (shopper_id);

INSERT INTO sqlite_sequence (name, seq) VALUES
    ('returns', 10000000), ('coupons', 10000000), ('after_sales_records', 10000000);
