/** An Arrow IPC stream (its buffer is transferred, not copied) to be written as one Parquet file. */
export interface EncodeRequest {
  id: number;
  ipcStream: Uint8Array;
}

export type EncodeResponse = { id: number; bytes: Uint8Array; error?: undefined } | { id: number; error: string; bytes?: undefined };
