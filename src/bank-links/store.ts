import type { SharedState } from '../shared-state.js'

const reauthKey = (exchangeId: string) => `bff:reauth-required:${exchangeId}`
const exchangeOfKey = (fundingSourceId: string) => `bff:funding-source-exchange:${fundingSourceId}`
const fundingSourcesKey = (exchangeId: string) => `bff:exchange-funding-sources:${exchangeId}`

/**
 * What the service knows of the customer's bank links beyond Dwolla's exchange list: which
 * exchanges need re-authentication, and which funding sources came from each exchange.
 */
export function createBankLinkStore (state: SharedState) {
  return {
    /** A webhook or a balance check said the exchange needs re-authentication. */
    markReauthRequired: (exchangeId: string) => state.set(reauthKey(exchangeId), new Date().toISOString()),
    /** The exchange was re-authenticated. */
    clearReauthRequired: (exchangeId: string) => state.delete(reauthKey(exchangeId)),
    /** The exchanges among these that are marked. */
    async reauthRequired (exchangeIds: readonly string[]): Promise<Set<string>> {
      if (exchangeIds.length === 0) return new Set()
      const marks = await state.getMany(exchangeIds.map(reauthKey))
      return new Set(exchangeIds.filter((_exchangeId, index) => marks[index] !== undefined))
    },
    async linkFundingSource (fundingSourceId: string, exchangeId: string) {
      await state.set(exchangeOfKey(fundingSourceId), exchangeId)
      await state.addMember(fundingSourcesKey(exchangeId), fundingSourceId)
    },
    /** Dwolla removed the funding source: its exchange no longer lists it. */
    async unlinkFundingSource (fundingSourceId: string) {
      const [exchangeId] = await state.getMany([exchangeOfKey(fundingSourceId)])
      if (exchangeId === undefined) return
      await state.removeMember(fundingSourcesKey(exchangeId), fundingSourceId)
      await state.delete(exchangeOfKey(fundingSourceId))
    },
    fundingSourcesOf: (exchangeId: string) => state.members(fundingSourcesKey(exchangeId))
  }
}

export type BankLinkStore = ReturnType<typeof createBankLinkStore>
