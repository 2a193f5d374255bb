-- bulk-export ddl --target duckdb: close/contacts: 2 committed exports (430 rows) at s3://my-bucket/crm/close/contacts/
-- exports, oldest first: exp-20261201t010000-aa01bb, exp-20261202t010000-cc02dd
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- DuckDB reads s3:// with its httpfs extension. The secret below takes the AWS SDK credential chain (environment,
-- profile, SSO, instance role): no key is written here.
-- close_contacts.export_id is each row's export, read from its folder (export_id=<id>, a Hive partition).
--
-- close_contacts_current: the latest version of each record (one row per id),
--   by date_updated (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: close records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

INSTALL httpfs;
LOAD httpfs;
CREATE OR REPLACE SECRET bulk_export_s3 (TYPE s3, PROVIDER credential_chain, REGION 'us-east-1', SCOPE 's3://my-bucket/');

CREATE OR REPLACE VIEW "close_contacts" AS
SELECT * FROM read_parquet([
  's3://my-bucket/crm/close/contacts/export_id=exp-20261201t010000-aa01bb/part-r00000-s000000-a11112222.parquet',
  's3://my-bucket/crm/close/contacts/export_id=exp-20261202t010000-cc02dd/part-r00000-s000000-a33334444.parquet',
  's3://my-bucket/crm/close/contacts/export_id=exp-20261202t010000-cc02dd/part-r00001-s000000-a55556666.parquet'
], union_by_name = true, hive_partitioning = true, hive_types = {'export_id': VARCHAR});

CREATE OR REPLACE VIEW "close_contacts_current" AS
SELECT * FROM "close_contacts"
QUALIFY row_number() OVER (PARTITION BY "id" ORDER BY "date_updated" DESC NULLS LAST, "export_id" DESC) = 1;
