-- bulk-export ddl --target redshift: close/contacts: 2 committed exports (430 rows) at s3://my-bucket/crm/close/contacts/
-- exports, oldest first: exp-20261201t010000-aa01bb, exp-20261202t010000-cc02dd
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- IAM_ROLE default is the role set as the cluster's (or workgroup's) default; or write IAM_ROLE
-- 'arn:aws:iam::<account>:role/<role>' for a role that may read the bucket. No credential is written here.
-- close_contacts is created anew and loaded with every export.
--
-- close_contacts_current: the latest version of each record (one row per id),
--   by date_updated (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: close records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

DROP VIEW IF EXISTS "close_contacts_current";
DROP TABLE IF EXISTS "close_contacts";

CREATE TABLE IF NOT EXISTS "close_contacts" (
  "id" VARCHAR(MAX),
  "lead_id" VARCHAR(MAX),
  "name" VARCHAR(MAX),
  "emails" SUPER,
  "date_created" TIMESTAMPTZ,
  "date_updated" TIMESTAMPTZ,
  "_export_id" VARCHAR(MAX),
  "_extracted_at" TIMESTAMPTZ,
  "_extra" VARCHAR(MAX),
  "custom_cf_budget" DECIMAL(18,2),
  "order" BIGINT
);

-- exp-20261201t010000-aa01bb: 1 part, 400 rows
BEGIN;
CREATE TEMP TABLE bulk_export_load (
  "id" VARCHAR(MAX),
  "lead_id" VARCHAR(MAX),
  "name" VARCHAR(MAX),
  "emails" SUPER,
  "date_created" TIMESTAMPTZ,
  "date_updated" TIMESTAMPTZ,
  "_export_id" VARCHAR(MAX),
  "_extracted_at" TIMESTAMPTZ,
  "_extra" VARCHAR(MAX)
);
COPY bulk_export_load
FROM 's3://my-bucket/crm/close/contacts/export_id=exp-20261201t010000-aa01bb/_load/redshift-manifest.json'
IAM_ROLE default
FORMAT AS PARQUET SERIALIZETOJSON
MANIFEST;
INSERT INTO "close_contacts" ("id", "lead_id", "name", "emails", "date_created", "date_updated", "_export_id", "_extracted_at", "_extra")
SELECT "id", "lead_id", "name", "emails", "date_created", "date_updated", "_export_id", "_extracted_at", "_extra" FROM bulk_export_load;
DROP TABLE bulk_export_load;
END;

-- exp-20261202t010000-cc02dd: 2 parts, 30 rows
BEGIN;
CREATE TEMP TABLE bulk_export_load (
  "id" VARCHAR(MAX),
  "lead_id" VARCHAR(MAX),
  "name" VARCHAR(MAX),
  "emails" SUPER,
  "date_created" TIMESTAMPTZ,
  "date_updated" TIMESTAMPTZ,
  "custom_cf_budget" DECIMAL(18,2),
  "order" BIGINT,
  "_export_id" VARCHAR(MAX),
  "_extracted_at" TIMESTAMPTZ,
  "_extra" VARCHAR(MAX)
);
COPY bulk_export_load
FROM 's3://my-bucket/crm/close/contacts/export_id=exp-20261202t010000-cc02dd/_load/redshift-manifest.json'
IAM_ROLE default
FORMAT AS PARQUET SERIALIZETOJSON
MANIFEST;
INSERT INTO "close_contacts" ("id", "lead_id", "name", "emails", "date_created", "date_updated", "custom_cf_budget", "order", "_export_id", "_extracted_at", "_extra")
SELECT "id", "lead_id", "name", "emails", "date_created", "date_updated", "custom_cf_budget", "order", "_export_id", "_extracted_at", "_extra" FROM bulk_export_load;
DROP TABLE bulk_export_load;
END;

CREATE OR REPLACE VIEW "close_contacts_current" AS
SELECT * FROM "close_contacts"
QUALIFY ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "date_updated" DESC NULLS LAST, "_export_id" DESC) = 1;
