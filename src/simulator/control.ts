import type { Call } from './calls.js'
import type { Fault } from './faults.js'
import type { DwollaEvent, WebhookDelivery, WebhookSubscription } from './webhooks.js'

/** What tests and the /__simulator control routes drive: customers, faults, token expiry, the bank's revocations. */
export interface SimulatorControl {
  /** Adds a customer and returns its id. */
  createCustomer (input?: { firstName?: string; lastName?: string; email?: string }): string
  /** Gives the customer the balance-type funding source Dwolla gives each verified customer; answers its id. */
  addBalanceFundingSource (customerId: string): string
  /** Fails the next matching Dwolla API calls; see FaultSchema. */
  fault (fault: Fault): void
  /** Every Dwolla API request seen, in arrival order. */
  readonly calls: ReadonlyArray<Call>
  /** Every token issued so far is now expired. */
  expireTokens (): void
  /** The exchange's status becomes 'deactivated', as when the bank revokes access; a re-auth session restores it. */
  deactivateExchange (exchangeId: string): void
  /**
   * The bank revoked the exchange's access, as a password change at the bank does: balance checks
   * answer UpdateCredentials and subscribers get customer_exchange_reauth_required, until a
   * re-auth session is approved.
   */
  revokeAccess (exchangeId: string): void
  /** The webhook subscriptions, every delivery attempt in order, and every event created, oldest first. */
  readonly webhooks: { subscriptions: ReadonlyMap<string, WebhookSubscription>; deliveries: readonly WebhookDelivery[]; events: readonly DwollaEvent[] }
  /** A Plaid public token or MX available connection token is now expired. */
  expireExchangeToken (token: string): void
  count (kind: 'exchangeSessions' | 'customers' | 'tokens' | 'exchanges' | 'fundingSources'): number
  /** Clears calls and faults; data stays. */
  reset (): void
}
