-- bulk-export ddl --target snowflake: close/contacts: 2 committed exports (430 rows) at s3://my-bucket/crm/close/contacts/
-- exports, oldest first: exp-20261201t010000-aa01bb, exp-20261202t010000-cc02dd
-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).
-- Replace bulk_export_s3_integration with your storage integration (CREATE STORAGE INTEGRATION ... STORAGE_AWS_ROLE_ARN =
-- 'arn:aws:iam::<account>:role/<role>', which an ACCOUNTADMIN creates): no credential is written here.
-- close_contacts is created anew and loaded with every export.
--
-- close_contacts_current: the latest version of each record (one row per id),
--   by date_updated (newest first), then by export (the later export wins a tie).
--   Archived records are not flagged: close records carry no archived flag, so an archived record an export
--   read is an ordinary row. Records deleted at the source stay: no export sees a deletion.

CREATE STAGE IF NOT EXISTS close_contacts_stage
  URL = 's3://my-bucket/crm/close/contacts/'
  STORAGE_INTEGRATION = bulk_export_s3_integration
  FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE);

CREATE OR REPLACE TABLE close_contacts (
  id VARCHAR,
  lead_id VARCHAR,
  name VARCHAR,
  emails ARRAY,
  date_created TIMESTAMP_TZ,
  date_updated TIMESTAMP_TZ,
  _export_id VARCHAR,
  _extracted_at TIMESTAMP_TZ,
  _extra VARCHAR,
  custom_cf_budget NUMBER(18,2),
  "order" NUMBER(38,0)
);

-- exp-20261201t010000-aa01bb: 1 part, 400 rows
BEGIN;
COPY INTO close_contacts
  FROM '@close_contacts_stage/export_id=exp-20261201t010000-aa01bb/'
  FILES = ('part-r00000-s000000-a11112222.parquet')
  FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)
  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
  FORCE = TRUE
  ON_ERROR = ABORT_STATEMENT;
COMMIT;

-- exp-20261202t010000-cc02dd: 2 parts, 30 rows
BEGIN;
COPY INTO close_contacts
  FROM '@close_contacts_stage/export_id=exp-20261202t010000-cc02dd/'
  FILES = ('part-r00000-s000000-a33334444.parquet', 'part-r00001-s000000-a55556666.parquet')
  FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)
  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
  FORCE = TRUE
  ON_ERROR = ABORT_STATEMENT;
COMMIT;

CREATE OR REPLACE VIEW close_contacts_current AS
SELECT * FROM close_contacts
QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY date_updated DESC NULLS LAST, _export_id DESC) = 1;
