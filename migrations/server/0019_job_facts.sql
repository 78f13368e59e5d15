-- KPI rollup (#17): one narrow row per work order with what it contributes to the KPIs
-- (core's `kpi::JobFacts`), rewritten in the transaction of every change to the job, so the
-- dashboard folds a million jobs without reading their documents or histories. `day` is the
-- local day the job was finished ('' while open): the period it counts in, and the table's
-- order (WITHOUT ROWID, keyed by day first), so a period is one sequential range. `machine`
-- finds rework: a later job on the same asset (or site and category) within 30 days of the
-- finish.
CREATE TABLE job_facts (
    day TEXT NOT NULL,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    number TEXT NOT NULL,
    machine TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    engineer_id TEXT,
    region TEXT NOT NULL,
    category TEXT NOT NULL,
    model TEXT,
    channel TEXT NOT NULL,
    first_visit_fix INTEGER NOT NULL,
    reworked INTEGER NOT NULL DEFAULT 0,
    visits INTEGER NOT NULL,
    first_contact INTEGER NOT NULL,
    respond_secs INTEGER,
    arrive_secs INTEGER,
    resolve_secs INTEGER,
    respond_on_time INTEGER,
    arrive_on_time INTEGER,
    resolve_on_time INTEGER,
    on_site_minutes INTEGER NOT NULL,
    travel_minutes INTEGER NOT NULL,
    parts_at_first_visit INTEGER,
    cost_minor INTEGER NOT NULL,
    fault_code TEXT,
    cause_code TEXT,
    csat INTEGER,
    nps INTEGER,
    effort INTEGER,
    qa_percent REAL,
    complaints INTEGER NOT NULL DEFAULT 0,
    -- The numeric facts above in one fixed-layout value (the store's `pack`), rewritten with
    -- them: the dashboard reads this one column per row instead of twenty.
    packed BLOB NOT NULL DEFAULT x'',
    PRIMARY KEY (day, work_order_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX job_facts_job ON job_facts (work_order_id);
CREATE INDEX job_facts_engineer_day ON job_facts (engineer_id, day);
CREATE INDEX job_facts_machine ON job_facts (machine, created_at);
