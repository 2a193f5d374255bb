-- bulk-export ddl --target duckdb: virtuous/full_contacts: 2 committed exports (2242 rows) at s3://my-bucket/crm/virtuous/full_contacts/
-- exports, oldest first: exp-20261122t214501-3f9a1c, exp-20261123t091500-1c2d3e
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- DuckDB reads s3:// with its httpfs extension. The secret below takes the AWS SDK credential chain (environment,
-- profile, SSO, instance role): no key is written here.
-- virtuous_full_contacts.export_id is each row's export, read from its folder (export_id=<id>, a Hive partition).
--
-- virtuous_full_contacts_current: the latest version of each record (one row per id),
--   by modifiedDateTimeUtc (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: virtuous records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

INSTALL httpfs;
LOAD httpfs;
CREATE OR REPLACE SECRET bulk_export_s3 (TYPE s3, PROVIDER credential_chain, REGION 'us-east-1', SCOPE 's3://my-bucket/');

CREATE OR REPLACE VIEW "virtuous_full_contacts" AS
SELECT * FROM read_parquet([
  's3://my-bucket/crm/virtuous/full_contacts/export_id=exp-20261122t214501-3f9a1c/part-r00000-s000000-a3f9c01d2.parquet',
  's3://my-bucket/crm/virtuous/full_contacts/export_id=exp-20261122t214501-3f9a1c/part-r00000-s000001-a3f9c01d2.parquet',
  's3://my-bucket/crm/virtuous/full_contacts/export_id=exp-20261122t214501-3f9a1c/part-r00001-s000000-a77aa0c13.parquet',
  's3://my-bucket/crm/virtuous/full_contacts/export_id=exp-20261123t091500-1c2d3e/part-r00000-s000000-a0b1e2d3c.parquet'
], union_by_name = true, hive_partitioning = true, hive_types = {'export_id': VARCHAR});

CREATE OR REPLACE VIEW "virtuous_full_contacts_current" AS
SELECT * FROM "virtuous_full_contacts"
QUALIFY row_number() OVER (PARTITION BY "id" ORDER BY "modifiedDateTimeUtc" DESC NULLS LAST, "export_id" DESC) = 1;
