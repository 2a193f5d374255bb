/** What `/readyz` answers: ready, or not and why in a few words (never a secret: anyone who reaches the port reads it). */
export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * Asked on every `/readyz` request. It must settle well within a probe's timeout (Kubernetes waits 1 s
 * by default), so anything it asks of another service is bounded.
 */
export type ReadinessCheck = () => Promise<Readiness>;
