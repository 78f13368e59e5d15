-- Logins, sessions, keys and the security log, as in the SQLite schema (server migrations
-- 0001, 0003, 0010, 0011, 0024). User names are unique whatever their case, as SQLite's
-- NOCASE makes them; lookups compare lower(username).
CREATE TABLE users (
    id            UUID PRIMARY KEY,
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('engineer', 'dispatcher', 'service_manager', 'complaint_handler', 'admin')),
    engineer_id   UUID UNIQUE REFERENCES engineers (id),
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    CHECK ((role = 'engineer') = (engineer_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_username ON users (lower(username));

-- Bearer tokens, stored only as SHA-256 of the token.
CREATE TABLE sessions (
    token_hash  BYTEA PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- API keys of intake channels, stored only as SHA-256.
CREATE TABLE intake_keys (
    key_hash    BYTEA PRIMARY KEY,
    channel     TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);

-- An engineer's device registers its Ed25519 public key (hex); a receipt sealed with a key not
-- listed here does not verify.
CREATE TABLE device_keys (
    public_key    TEXT PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX device_keys_user ON device_keys (user_id);

-- The key the server seals receipts with when it makes them itself; one for every server.
CREATE TABLE server_seal_key (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret BYTEA NOT NULL CHECK (length(secret) = 32)
);

-- The security log: sign-ins, failed sign-ins, lockouts, and every change an administrator
-- makes to a login. Append-only.
CREATE TABLE security_events (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       TIMESTAMPTZ NOT NULL,
    kind     TEXT NOT NULL,
    actor    TEXT,
    subject  TEXT,
    address  TEXT,
    doc      JSONB NOT NULL
);
CREATE INDEX security_events_at ON security_events (at);

CREATE FUNCTION security_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the security log is append-only';
END
$$;
CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events
    FOR EACH ROW EXECUTE FUNCTION security_events_append_only();

-- Wrong passwords per account and per address, counted together by every server.
-- `key` is `account:<user name>` or `address:<ip>`; `doc` is core's SignInFailures.
CREATE TABLE sign_in_failures (
    key  TEXT PRIMARY KEY,
    last TIMESTAMPTZ NOT NULL,
    doc  JSONB NOT NULL
);
CREATE INDEX sign_in_failures_last ON sign_in_failures (last);
