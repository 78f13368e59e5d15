-- What each pushed action said (hex SHA-256 of its JSON), so that an id sent again with a
-- different body, job or user is refused instead of answered with the first action's outcome.
-- Actions stored before this have none and are matched by user and job only.
ALTER TABLE device_actions ADD COLUMN digest TEXT;
