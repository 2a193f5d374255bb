/** A request the simulator refuses, with the status and JSON body the real API would send. */
export class SimulatorRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : `HTTP ${status}`);
  }
}

/** Older Virtuous error shape: `{"message": "..."}`. */
export function badRequest(message: string): SimulatorRequestError {
  return new SimulatorRequestError(400, { message });
}

export interface ErrorDetail {
  target: string;
  message: string;
  parameter?: string;
  operator?: string;
}

/** Newer Virtuous error shape: `{"error": {"code", "message", "details"}}`. */
export function structuredError(status: number, code: string, message: string, details: ErrorDetail[] = []): SimulatorRequestError {
  return new SimulatorRequestError(status, { error: { code, message, details } });
}
