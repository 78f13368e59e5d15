-- Keys an administrator revoked: a device key no longer seals receipts from then on (those it
-- sealed before still verify), an intake key no longer takes requests.
ALTER TABLE device_keys ADD COLUMN revoked_at TEXT;
ALTER TABLE intake_keys ADD COLUMN revoked_at TEXT;
