-- bulk-export ddl --target athena: virtuous/full_contacts: 2 committed exports (2242 rows) at s3://my-bucket/crm/virtuous/full_contacts/
-- exports, oldest first: exp-20261122t214501-3f9a1c, exp-20261123t091500-1c2d3e
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- Run the statements one at a time (Athena takes one statement per query). No credentials: Athena reads S3 as the
-- IAM principal running the query, which needs s3:GetObject on the parts and the _load/ files, and s3:ListBucket.
-- Each export is a partition (export_id) whose LOCATION is its _load/athena-symlink/ folder: one file listing exactly
-- the parts of its manifest. Add partitions only this way: MSCK REPAIR TABLE would add the export folders themselves.
--
-- virtuous_full_contacts_current: the latest version of each record (one row per id),
--   by modifiedDateTimeUtc (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: virtuous records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

DROP TABLE IF EXISTS `virtuous_full_contacts`;

CREATE EXTERNAL TABLE IF NOT EXISTS `virtuous_full_contacts` (
  `id` bigint,
  `contacttype` string,
  `isprivate` boolean,
  `name` string,
  `address` struct<id:bigint,city:string,postal:string,isPrimary:boolean>,
  `tags` array<string>,
  `contactindividuals` array<struct<id:bigint,firstName:string,contactMethods:array<struct<type:string,value:string>>>>,
  `customcollections` string,
  `createdatetimeutc` timestamp,
  `modifieddatetimeutc` timestamp,
  `_export_id` string,
  `_extracted_at` timestamp,
  `_extra` string
)
PARTITIONED BY (`export_id` string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat'
LOCATION 's3://my-bucket/crm/virtuous/full_contacts/';

ALTER TABLE `virtuous_full_contacts` ADD IF NOT EXISTS
  PARTITION (export_id = 'exp-20261122t214501-3f9a1c') LOCATION 's3://my-bucket/crm/virtuous/full_contacts/export_id=exp-20261122t214501-3f9a1c/_load/athena-symlink/'
  PARTITION (export_id = 'exp-20261123t091500-1c2d3e') LOCATION 's3://my-bucket/crm/virtuous/full_contacts/export_id=exp-20261123t091500-1c2d3e/_load/athena-symlink/';

CREATE OR REPLACE VIEW "virtuous_full_contacts_current" AS
SELECT "id", "contacttype", "isprivate", "name", "address", "tags", "contactindividuals", "customcollections", "createdatetimeutc", "modifieddatetimeutc", "_export_id", "_extracted_at", "_extra", export_id FROM (
  SELECT *, row_number() OVER (PARTITION BY "id" ORDER BY "modifieddatetimeutc" DESC NULLS LAST, "_export_id" DESC) AS "_current_rank"
  FROM "virtuous_full_contacts"
) WHERE "_current_rank" = 1;
