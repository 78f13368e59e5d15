-- The customer's link to follow a request (/t/{token}), no login: one per request, made the
-- first time it is needed (the request-received notice, the web form's answer, the desk).
-- The token is 128 random bits; whether the link still opens is core's rule (tracking.rs).
CREATE TABLE tracking_links (
    token          TEXT PRIMARY KEY,
    work_order_id  TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL
);
