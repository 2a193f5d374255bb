-- bulk-export ddl --target snowflake: virtuous/full_contacts: 2 committed exports (2242 rows) at s3://my-bucket/crm/virtuous/full_contacts/
-- exports, oldest first: exp-20261122t214501-3f9a1c, exp-20261123t091500-1c2d3e
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- Replace bulk_export_s3_integration with your storage integration (CREATE STORAGE INTEGRATION ... STORAGE_AWS_ROLE_ARN =
-- 'arn:aws:iam::<account>:role/<role>', which an ACCOUNTADMIN creates): no credential is written here.
-- virtuous_full_contacts is created anew and loaded with every export.
--
-- virtuous_full_contacts_current: the latest version of each record (one row per id),
--   by modifiedDateTimeUtc (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: virtuous records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

CREATE STAGE IF NOT EXISTS virtuous_full_contacts_stage
  URL = 's3://my-bucket/crm/virtuous/full_contacts/'
  STORAGE_INTEGRATION = bulk_export_s3_integration
  FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE);

CREATE OR REPLACE TABLE virtuous_full_contacts (
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

-- exp-20261122t214501-3f9a1c: 3 parts, 2230 rows
BEGIN;
COPY INTO virtuous_full_contacts
  FROM '@virtuous_full_contacts_stage/export_id=exp-20261122t214501-3f9a1c/'
  FILES = ('part-r00000-s000000-a3f9c01d2.parquet', 'part-r00000-s000001-a3f9c01d2.parquet', 'part-r00001-s000000-a77aa0c13.parquet')
  FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)
  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
  FORCE = TRUE
  ON_ERROR = ABORT_STATEMENT;
COMMIT;

-- exp-20261123t091500-1c2d3e: 1 part, 12 rows
BEGIN;
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
