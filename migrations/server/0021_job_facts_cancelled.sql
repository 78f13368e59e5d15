-- A cancelled request (a duplicate, a customer who fixed it) is not rework of the job before it
-- on the same machine: the rollup keeps which jobs were cancelled.
ALTER TABLE job_facts ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;
