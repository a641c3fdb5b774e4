import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

/** Dwolla's versioned HAL media type, sent as Accept and Content-Type. */
export const HAL_MEDIA_TYPE = 'application/vnd.dwolla.v1.hal+json'

const Link = Type.Object({ href: Type.String({ minLength: 1 }) })

const TokenResponse = Type.Object({
  access_token: Type.String({ minLength: 1 }),
  expires_in: Type.Integer({ minimum: 1 })
})

const ExchangePartners = Type.Object({
  _embedded: Type.Object({
    'exchange-partners': Type.Array(Type.Object({
      name: Type.String(),
      _links: Type.Object({ self: Link })
    }))
  })
})

export const ExchangeSession = Type.Object({
  _links: Type.Object({ 'external-provider-session': Type.Optional(Link) }),
  externalProviderSessionToken: Type.Optional(Type.String({ minLength: 1 }))
})
export type ExchangeSession = Static<typeof ExchangeSession>

/** An exchange: whose it is and through which partner. */
const Exchange = Type.Object({
  _links: Type.Object({ customer: Link, 'exchange-partner': Link })
})

const AvailableExchangeConnections = Type.Object({
  _embedded: Type.Object({
    'available-exchange-connections': Type.Array(Type.Object({
      name: Type.String(),
      availableConnectionToken: Type.String({ minLength: 1 })
    }))
  })
})

/** Whose a funding source is and the exchange it came from; a balance-type one has no exchange. */
const FundingSourceLinks = Type.Object({ customer: Link, exchange: Type.Optional(Link) })

/** What is read of a funding source before anything else about it: its owner, then its type (bank, balance). */
const FundingSourceOwner = Type.Object({ _links: FundingSourceLinks, type: Type.String() })

const FundingSource = Type.Object({
  _links: FundingSourceLinks,
  id: Type.String({ minLength: 1 }),
  name: Type.String(),
  bankName: Type.String(),
  bankAccountType: Type.Union([Type.Literal('checking'), Type.Literal('savings')]),
  status: Type.String()
})
export type BankAccountType = Static<typeof FundingSource>['bankAccountType']

/** A customer's exchanges: through which partner, in which state. */
const Exchanges = Type.Object({
  _embedded: Type.Object({
    exchanges: Type.Array(Type.Object({
      _links: Type.Object({ 'exchange-partner': Link }),
      id: Type.String({ minLength: 1 }),
      status: Type.String(),
      created: Type.String()
    }))
  })
})

const Amount = Type.Object({ value: Type.String(), currency: Type.String() })

/** A bank funding source's balance; Dwolla does not always know the available one. */
export const Balance = Type.Object({
  available: Type.Optional(Amount),
  closing: Amount,
  lastUpdated: Type.String()
})
export type Balance = Static<typeof Balance>

const WebhookSubscription = Type.Object({
  id: Type.String({ minLength: 1 }),
  url: Type.String(),
  paused: Type.Boolean(),
  created: Type.String()
})
export type WebhookSubscription = Static<typeof WebhookSubscription>

const WebhookSubscriptions = Type.Object({
  _embedded: Type.Object({ 'webhook-subscriptions': Type.Array(WebhookSubscription) })
})

/** Dwolla's event, as each webhook carries it and its event log lists it; members not listed are allowed and ignored. */
export const DwollaEvent = Type.Object({
  id: Type.String({
    // Dwolla's ids are UUIDs; nothing else (a line break least of all) reaches the inbox or a stream.
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    description: "The event's id, a UUID: Dwolla's retries and duplicates repeat it."
  }),
  topic: Type.String({ minLength: 1, maxLength: 128, examples: ['customer_exchange_reauth_required'] }),
  resourceId: Type.String({ minLength: 1, maxLength: 128, description: 'The exchange or funding source the event is about.' }),
  created: Type.String({
    // A pattern rather than a format: the wire checks compile without a format registry.
    pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d+)?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$',
    description: 'When Dwolla created the event (ISO-8601 date-time); events more than 30 days old are acknowledged and not acted on.'
  }),
  _links: Type.Object({
    resource: Link,
    customer: Type.Optional(Link)
  })
}, { description: "Dwolla's webhook event; see Dwolla's webhook events reference." })
export type DwollaEvent = Static<typeof DwollaEvent>

/** A page of Dwolla's event log, newest first; each entry is checked on its own, so one bad entry spoils no other. */
const EventsPage = Type.Object({
  _embedded: Type.Object({ events: Type.Array(Type.Unknown()) })
})

/** Dwolla's error body: a top-level code and message, and embedded errors for validation. */
export const DwollaErrorBody = Type.Object({
  code: Type.String(),
  message: Type.String(),
  /** UpdateCredentials links to where the exchange's re-auth session is created. */
  _links: Type.Optional(Type.Object({ about: Type.Optional(Link) })),
  _embedded: Type.Optional(Type.Object({
    errors: Type.Array(Type.Object({
      code: Type.Optional(Type.String()),
      message: Type.Optional(Type.String()),
      path: Type.Optional(Type.String())
    }))
  }))
})
export type DwollaErrorBody = Static<typeof DwollaErrorBody>

/** A compiled check, built once at start so the hot path only runs it. */
export interface WireCheck<T extends TSchema> {
  (value: unknown): value is Static<T>
}
function compile<T extends TSchema> (schema: T): WireCheck<T> {
  const checker = TypeCompiler.Compile(schema)
  return (value: unknown): value is Static<T> => checker.Check(value)
}

export const isTokenResponse = compile(TokenResponse)
export const isExchangePartners = compile(ExchangePartners)
export const isExchangeSession = compile(ExchangeSession)
export const isExchange = compile(Exchange)
export const isAvailableExchangeConnections = compile(AvailableExchangeConnections)
export const isFundingSourceOwner = compile(FundingSourceOwner)
export const isFundingSource = compile(FundingSource)
export const isExchanges = compile(Exchanges)
export const isBalance = compile(Balance)
export const isWebhookSubscriptions = compile(WebhookSubscriptions)
export const isWebhookSubscription = compile(WebhookSubscription)
export const isEventsPage = compile(EventsPage)
export const isDwollaEvent = compile(DwollaEvent)
export const isDwollaErrorBody = compile(DwollaErrorBody)
