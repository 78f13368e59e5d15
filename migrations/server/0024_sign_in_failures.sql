-- Wrong passwords per account and per address, in the database so that every server sharing
-- it counts them together (a guesser spread over several servers is locked out all the same).
-- `key` is `account:<user name>` or `address:<ip>`; `doc` is core's SignInFailures as JSON.
CREATE TABLE sign_in_failures (
    key  TEXT PRIMARY KEY,
    last TEXT NOT NULL,
    doc  TEXT NOT NULL
) STRICT;
CREATE INDEX sign_in_failures_last ON sign_in_failures (last);
