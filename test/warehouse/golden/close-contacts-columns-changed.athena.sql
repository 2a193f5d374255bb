-- bulk-export ddl --target athena: close/contacts: 2 committed exports (430 rows) at s3://my-bucket/crm/close/contacts/
-- exports, oldest first: exp-20261201t010000-aa01bb, exp-20261202t010000-cc02dd
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- Run the statements one at a time (Athena takes one statement per query). No credentials: Athena reads S3 as the
-- IAM principal running the query, which needs s3:GetObject on the parts and the _load/ files, and s3:ListBucket.
-- Each export is a partition (export_id) whose LOCATION is its _load/athena-symlink/ folder: one file listing exactly
-- the parts of its manifest. Add partitions only this way: MSCK REPAIR TABLE would add the export folders themselves.
--
-- close_contacts_current: the latest version of each record (one row per id),
--   by date_updated (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: close records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

DROP TABLE IF EXISTS `close_contacts`;

CREATE EXTERNAL TABLE IF NOT EXISTS `close_contacts` (
  `id` string,
  `lead_id` string,
  `name` string,
  `emails` array<struct<email:string,type:string>>,
  `date_created` timestamp,
  `date_updated` timestamp,
  `_export_id` string,
  `_extracted_at` timestamp,
  `_extra` string,
  `custom_cf_budget` decimal(18,2),
  `order` bigint
)
PARTITIONED BY (`export_id` string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat'
LOCATION 's3://my-bucket/crm/close/contacts/';

ALTER TABLE `close_contacts` ADD IF NOT EXISTS
  PARTITION (export_id = 'exp-20261201t010000-aa01bb') LOCATION 's3://my-bucket/crm/close/contacts/export_id=exp-20261201t010000-aa01bb/_load/athena-symlink/'
  PARTITION (export_id = 'exp-20261202t010000-cc02dd') LOCATION 's3://my-bucket/crm/close/contacts/export_id=exp-20261202t010000-cc02dd/_load/athena-symlink/';

CREATE OR REPLACE VIEW "close_contacts_current" AS
SELECT "id", "lead_id", "name", "emails", "date_created", "date_updated", "_export_id", "_extracted_at", "_extra", "custom_cf_budget", "order", export_id FROM (
  SELECT *, row_number() OVER (PARTITION BY "id" ORDER BY "date_updated" DESC NULLS LAST, "_export_id" DESC) AS "_current_rank"
  FROM "close_contacts"
) WHERE "_current_rank" = 1;
