-- Which jobs a photo's or receipt's bytes reached the server for: its upload finished for a job
-- that named it (by an engineer holding that job), or the server made it for the job. An
-- engineer reads a file only through such a job, so naming someone else's hash on one's own
-- job reveals nothing.
CREATE TABLE blob_jobs (
    sha256         TEXT NOT NULL,
    work_order_id  TEXT NOT NULL REFERENCES work_orders (id),
    uploaded_by    TEXT,
    at             TEXT NOT NULL,
    PRIMARY KEY (sha256, work_order_id)
);

-- Files already on the server count for the jobs that name them today.
INSERT OR IGNORE INTO blob_jobs (sha256, work_order_id, uploaded_by, at)
SELECT json_extract(p.value, '$.sha256'), w.id, NULL, w.updated_at
FROM work_orders w, json_each(w.doc, '$.photos') p
WHERE json_extract(p.value, '$.sha256') IS NOT NULL;
INSERT OR IGNORE INTO blob_jobs (sha256, work_order_id, uploaded_by, at)
SELECT json_extract(w.doc, '$.receipt.pdf_sha256'), w.id, NULL, w.updated_at
FROM work_orders w
WHERE json_extract(w.doc, '$.receipt.pdf_sha256') IS NOT NULL;
