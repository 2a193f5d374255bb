-- bulk-export ddl --target redshift: export exp-20261123t091500-1c2d3e of virtuous/full_contacts (12 rows) at s3://my-bucket/crm/virtuous/full_contacts/
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- IAM_ROLE default is the role set as the cluster's (or workgroup's) default; or write IAM_ROLE
-- 'arn:aws:iam::<account>:role/<role>' for a role that may read the bucket. No credential is written here.
-- This adds the export to virtuous_full_contacts (created if it does not exist), replacing its rows if it was loaded before.
--
-- virtuous_full_contacts_current: the latest version of each record (one row per id),
--   by modifiedDateTimeUtc (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: virtuous records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

CREATE TABLE IF NOT EXISTS "virtuous_full_contacts" (
  "id" BIGINT,
  "contactType" VARCHAR(MAX),
  "isPrivate" BOOLEAN,
  "name" VARCHAR(MAX),
  "address" SUPER,
  "tags" SUPER,
  "contactIndividuals" SUPER,
  "customCollections" VARCHAR(MAX),
  "createDateTimeUtc" TIMESTAMPTZ,
  "modifiedDateTimeUtc" TIMESTAMPTZ,
  "_export_id" VARCHAR(MAX),
  "_extracted_at" TIMESTAMPTZ,
  "_extra" VARCHAR(MAX)
);

-- exp-20261123t091500-1c2d3e: 1 part, 12 rows
BEGIN;
CREATE TEMP TABLE bulk_export_load (
  "id" BIGINT,
  "contactType" VARCHAR(MAX),
  "isPrivate" BOOLEAN,
  "name" VARCHAR(MAX),
  "address" SUPER,
  "tags" SUPER,
  "contactIndividuals" SUPER,
  "customCollections" VARCHAR(MAX),
  "createDateTimeUtc" TIMESTAMPTZ,
  "modifiedDateTimeUtc" TIMESTAMPTZ,
  "_export_id" VARCHAR(MAX),
  "_extracted_at" TIMESTAMPTZ,
  "_extra" VARCHAR(MAX)
);
COPY bulk_export_load
FROM 's3://my-bucket/crm/virtuous/full_contacts/export_id=exp-20261123t091500-1c2d3e/_load/redshift-manifest.json'
IAM_ROLE default
FORMAT AS PARQUET SERIALIZETOJSON
MANIFEST;
DELETE FROM "virtuous_full_contacts" WHERE "_export_id" = 'exp-20261123t091500-1c2d3e';
INSERT INTO "virtuous_full_contacts" ("id", "contactType", "isPrivate", "name", "address", "tags", "contactIndividuals", "customCollections", "createDateTimeUtc", "modifiedDateTimeUtc", "_export_id", "_extracted_at", "_extra")
SELECT "id", "contactType", "isPrivate", "name", "address", "tags", "contactIndividuals", "customCollections", "createDateTimeUtc", "modifiedDateTimeUtc", "_export_id", "_extracted_at", "_extra" FROM bulk_export_load;
DROP TABLE bulk_export_load;
END;

CREATE OR REPLACE VIEW "virtuous_full_contacts_current" AS
SELECT * FROM "virtuous_full_contacts"
QUALIFY ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "modifiedDateTimeUtc" DESC NULLS LAST, "_export_id" DESC) = 1;
