-- bulk-export ddl --target bigquery: close/contacts: 2 committed exports (430 rows) at s3://my-bucket/crm/close/contacts/
-- exports, oldest first: exp-20261201t010000-aa01bb, exp-20261202t010000-cc02dd
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- Replace bulk_export with your dataset in the connection's location (CREATE SCHEMA bulk_export OPTIONS (location = 'aws-us-east-1')),
-- and aws-us-east-1.bulk_export_s3 with your BigQuery Omni connection to AWS (it names the IAM role BigQuery assumes to read
-- the bucket): no credential is written here.
--
-- close_contacts_current: the latest version of each record (one row per id),
--   by date_updated (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: close records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

-- exports exp-20261201t010000-aa01bb
CREATE OR REPLACE EXTERNAL TABLE `bulk_export.close_contacts__1`
WITH CONNECTION `aws-us-east-1.bulk_export_s3`
OPTIONS (
  format = 'PARQUET',
  enable_list_inference = true,
  uris = [
    's3://my-bucket/crm/close/contacts/export_id=exp-20261201t010000-aa01bb/part-r00000-s000000-a11112222.parquet'
  ]
);

-- exports exp-20261202t010000-cc02dd
CREATE OR REPLACE EXTERNAL TABLE `bulk_export.close_contacts__2`
WITH CONNECTION `aws-us-east-1.bulk_export_s3`
OPTIONS (
  format = 'PARQUET',
  enable_list_inference = true,
  uris = [
    's3://my-bucket/crm/close/contacts/export_id=exp-20261202t010000-cc02dd/part-r00000-s000000-a33334444.parquet',
    's3://my-bucket/crm/close/contacts/export_id=exp-20261202t010000-cc02dd/part-r00001-s000000-a55556666.parquet'
  ]
);

CREATE OR REPLACE VIEW `bulk_export.close_contacts` AS
SELECT `id`, `lead_id`, `name`, `emails`, `date_created`, `date_updated`, `_export_id`, `_extracted_at`, `_extra`, CAST(NULL AS NUMERIC(18, 2)) AS `custom_cf_budget`, CAST(NULL AS INT64) AS `order` FROM `bulk_export.close_contacts__1`
UNION ALL
SELECT `id`, `lead_id`, `name`, `emails`, `date_created`, `date_updated`, `_export_id`, `_extracted_at`, `_extra`, `custom_cf_budget`, `order` FROM `bulk_export.close_contacts__2`;

CREATE OR REPLACE VIEW `bulk_export.close_contacts_current` AS
SELECT * EXCEPT (_current_rank) FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY `id` ORDER BY `date_updated` DESC NULLS LAST, `_export_id` DESC) AS _current_rank
  FROM `bulk_export.close_contacts`
)
WHERE _current_rank = 1;
