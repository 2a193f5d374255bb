-- bulk-export ddl --target bigquery: export exp-20261123t091500-1c2d3e of virtuous/full_contacts (12 rows) at s3://my-bucket/crm/virtuous/full_contacts/
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- Replace bulk_export with your dataset in the connection's location (CREATE SCHEMA bulk_export OPTIONS (location = 'aws-us-east-1')),
-- and aws-us-east-1.bulk_export_s3 with your BigQuery Omni connection to AWS (it names the IAM role BigQuery assumes to read
-- the bucket): no credential is written here.
-- virtuous_full_contacts reads this export alone.
--
-- virtuous_full_contacts_current: the latest version of each record (one row per id),
--   by modifiedDateTimeUtc (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: virtuous records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

CREATE OR REPLACE EXTERNAL TABLE `bulk_export.virtuous_full_contacts`
WITH CONNECTION `aws-us-east-1.bulk_export_s3`
OPTIONS (
  format = 'PARQUET',
  enable_list_inference = true,
  uris = [
    's3://my-bucket/crm/virtuous/full_contacts/export_id=exp-20261123t091500-1c2d3e/part-r00000-s000000-a0b1e2d3c.parquet'
  ]
);

CREATE OR REPLACE VIEW `bulk_export.virtuous_full_contacts_current` AS
SELECT * EXCEPT (_current_rank) FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY `id` ORDER BY `modifiedDateTimeUtc` DESC NULLS LAST, `_export_id` DESC) AS _current_rank
  FROM `bulk_export.virtuous_full_contacts`
)
WHERE _current_rank = 1;
