import type { ExportManifest } from '../sinks/manifest.js';

/**
 * Files beside an export's parts that let an engine read exactly the parts its manifest names, where the
 * engine cannot be given a list of files in a statement:
 *
 *   <export folder>/_load/redshift-manifest.json   Redshift `COPY ... MANIFEST`: every part with its size
 *                                                  (`meta.content_length` is required for Parquet)
 *   <export folder>/_load/athena-symlink/manifest  Athena `SymlinkTextInputFormat`: one part URL a line; the
 *                                                  export's partition LOCATION is this folder
 *
 * Both are derived from the manifest alone, so writing them again gives the same bytes. The commit writes
 * them before `_SUCCESS` (so every committed export has them); `bulk-export ddl` writes them for exports
 * committed before that, saying so.
 */
export interface LoadFile {
  key: string;
  body: string;
  contentType: string;
}

export const LOAD_FOLDER = '_load';

export function redshiftManifestKey(exportFolder: string): string {
  return `${exportFolder}/${LOAD_FOLDER}/redshift-manifest.json`;
}

/** The folder an Athena partition points at: it holds the symlink file and nothing else. */
export function athenaSymlinkFolder(exportFolder: string): string {
  return `${exportFolder}/${LOAD_FOLDER}/athena-symlink`;
}

export function athenaSymlinkKey(exportFolder: string): string {
  return `${athenaSymlinkFolder(exportFolder)}/manifest`;
}

/** The load files of one export, from its manifest: `bucket` is the destination's, `exportFolder` the export's folder key. */
export function loadFilesFor(manifest: Pick<ExportManifest, 'parts'>, bucket: string, exportFolder: string): LoadFile[] {
  const url = (key: string) => `s3://${bucket}/${key}`;
  const redshift = {
    entries: manifest.parts.map((part) => ({ url: url(part.key), mandatory: true, meta: { content_length: part.bytes } })),
  };
  return [
    { key: redshiftManifestKey(exportFolder), body: `${JSON.stringify(redshift, null, 2)}\n`, contentType: 'application/json' },
    {
      key: athenaSymlinkKey(exportFolder),
      body: manifest.parts.map((part) => `${url(part.key)}\n`).join(''),
      contentType: 'text/plain; charset=utf-8',
    },
  ];
}
