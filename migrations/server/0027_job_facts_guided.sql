-- Whether an article helped with a job was kept only inside `packed`, which is rebuilt from the
-- columns, so it was lost on every write: it gets a column of its own. Where a job's answers
-- say an article helped, the column is set and `packed` emptied; empty ones are packed again
-- when the server starts.
ALTER TABLE job_facts ADD COLUMN guided INTEGER NOT NULL DEFAULT 0;
UPDATE job_facts SET guided = 1, packed = x'' WHERE EXISTS (
    SELECT 1 FROM work_orders w, json_each(w.doc, '$.articles_used') u
    WHERE w.id = job_facts.work_order_id AND json_extract(u.value, '$.helpful') = 1
);
