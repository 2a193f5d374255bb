-- bulk-export ddl --target snowflake: export exp-20261123t091500-1c2d3e of virtuous/full_contacts (12 rows) at s3://my-bucket/crm/virtuous/full_contacts/
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- Replace bulk_export_s3_integration with your storage integration (CREATE STORAGE INTEGRATION ... STORAGE_AWS_ROLE_ARN =
-- 'arn:aws:iam::<account>:role/<role>', which an ACCOUNTADMIN creates): no credential is written here.
-- This adds the export to virtuous_full_contacts (created if it does not exist), replacing its rows if it was loaded before.
--
-- virtuous_full_contacts_current: the latest version of each record (one row per id),
--   by modifiedDateTimeUtc (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: virtuous records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

CREATE STAGE IF NOT EXISTS virtuous_full_contacts_stage
  URL = 's3://my-bucket/crm/virtuous/full_contacts/'
  STORAGE_INTEGRATION = bulk_export_s3_integration
  FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE);

CREATE TABLE IF NOT EXISTS virtuous_full_contacts (
  id NUMBER(38,0),
  contactType VARCHAR,
  isPrivate BOOLEAN,
  name VARCHAR,
  address OBJECT,
  tags ARRAY,
  contactIndividuals ARRAY,
  customCollections VARCHAR,
  createDateTimeUtc TIMESTAMP_TZ,
  modifiedDateTimeUtc TIMESTAMP_TZ,
  _export_id VARCHAR,
  _extracted_at TIMESTAMP_TZ,
  _extra VARCHAR
);

ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS id NUMBER(38,0);
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS contactType VARCHAR;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS isPrivate BOOLEAN;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS name VARCHAR;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS address OBJECT;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS tags ARRAY;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS contactIndividuals ARRAY;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS customCollections VARCHAR;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS createDateTimeUtc TIMESTAMP_TZ;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS modifiedDateTimeUtc TIMESTAMP_TZ;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS _export_id VARCHAR;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS _extracted_at TIMESTAMP_TZ;
ALTER TABLE virtuous_full_contacts ADD COLUMN IF NOT EXISTS _extra VARCHAR;

-- exp-20261123t091500-1c2d3e: 1 part, 12 rows
BEGIN;
DELETE FROM virtuous_full_contacts WHERE _export_id = 'exp-20261123t091500-1c2d3e';
COPY INTO virtuous_full_contacts
  FROM '@virtuous_full_contacts_stage/export_id=exp-20261123t091500-1c2d3e/'
  FILES = ('part-r00000-s000000-a0b1e2d3c.parquet')
  FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)
  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
  FORCE = TRUE
  ON_ERROR = ABORT_STATEMENT;
COMMIT;

CREATE OR REPLACE VIEW virtuous_full_contacts_current AS
SELECT * FROM virtuous_full_contacts
QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY modifiedDateTimeUtc DESC NULLS LAST, _export_id DESC) = 1;
