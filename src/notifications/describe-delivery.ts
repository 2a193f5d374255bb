import type { NotificationDelivery } from './notification-deliveries.js';

/**
 * A notification's delivery in words, for `status`: `committed: delivered at T (try 3, HTTP 204)`,
 * `committed: pending, try 2 failed (HTTP 503), next try at T`, `failed: given up at T after 40 tries (last: HTTP 503)`.
 */
export function describeDelivery(delivery: NotificationDelivery): string {
  const tries = (count: number) => `${count} ${count === 1 ? 'try' : 'tries'}`;
  switch (delivery.state) {
    case 'delivered':
      return `${delivery.event}: delivered at ${delivery.deliveredAt} (try ${delivery.attempts}, ${delivery.lastAnswer ?? 'accepted'})`;
    case 'given-up':
      return `${delivery.event}: given up at ${delivery.givenUpAt} after ${tries(delivery.attempts)} (last: ${delivery.lastAnswer ?? 'no answer'})`;
    case 'pending':
      return delivery.attempts === 0
        ? `${delivery.event}: pending, first try due at ${delivery.nextTryAt}`
        : `${delivery.event}: pending, try ${delivery.attempts} failed (${delivery.lastAnswer ?? 'no answer'}), next try at ${delivery.nextTryAt}`;
  }
}
