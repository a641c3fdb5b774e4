import type { SharedState } from '../shared-state.js'

const reauthMarksKey = (exchangeId: string) => `bff:reauth-marks:${exchangeId}`
const reauthClearedKey = (exchangeId: string) => `bff:reauth-cleared:${exchangeId}`
const exchangeOfKey = (fundingSourceId: string) => `bff:funding-source-exchange:${fundingSourceId}`
const fundingSourcesKey = (exchangeId: string) => `bff:exchange-funding-sources:${exchangeId}`
const removedKey = (fundingSourceId: string) => `bff:funding-source-removed:${fundingSourceId}`

/** Whether a change made at `at` is later than one made at `than` (none: it is). */
const isAfter = (at: string, than: string | undefined) => than === undefined || Date.parse(at) > Date.parse(than)

/**
 * What the service knows of the customer's bank links beyond Dwolla's exchange list: which
 * exchanges need re-authentication, and which funding sources came from each exchange. Dwolla's
 * events come late and out of order, so each change is kept with when it happened and the latest
 * one wins when read, whatever order the writes came in.
 */
export function createBankLinkStore (state: SharedState) {
  return {
    /**
     * A webhook (created at `at`) or a balance check (now) said the exchange needs re-authentication;
     * answers whether the mark stands, false when a balance check has succeeded since.
     */
    async markReauthRequired (exchangeId: string, at = new Date().toISOString()): Promise<boolean> {
      // A set of the marks' times: a late, older mark never overwrites a newer one.
      await state.addMember(reauthMarksKey(exchangeId), at)
      const [cleared] = await state.getMany([reauthClearedKey(exchangeId)])
      return isAfter(at, cleared)
    },
    /** A balance check succeeded: marks made before now no longer count. */
    async clearReauthRequired (exchangeId: string) {
      await state.delete(reauthMarksKey(exchangeId))
      await state.set(reauthClearedKey(exchangeId), new Date().toISOString())
    },
    /** The exchanges among these whose latest mark came after their last successful balance check. */
    async reauthRequired (exchangeIds: readonly string[]): Promise<Set<string>> {
      if (exchangeIds.length === 0) return new Set()
      const cleared = await state.getMany(exchangeIds.map(reauthClearedKey))
      const marked = await Promise.all(exchangeIds.map(async (exchangeId, index) =>
        (await state.members(reauthMarksKey(exchangeId))).some((at) => isAfter(at, cleared[index]))))
      return new Set(exchangeIds.filter((_exchangeId, index) => marked[index]))
    },
    async linkFundingSource (fundingSourceId: string, exchangeId: string) {
      await state.set(exchangeOfKey(fundingSourceId), exchangeId)
      await state.addMember(fundingSourcesKey(exchangeId), fundingSourceId)
    },
    /** Dwolla removed the funding source (at `at`): for good, as Dwolla never brings one back. */
    async unlinkFundingSource (fundingSourceId: string, at = new Date().toISOString()) {
      // Kept, so a link or an `added` that arrives later does not bring it back.
      await state.set(removedKey(fundingSourceId), at)
      const [exchangeId] = await state.getMany([exchangeOfKey(fundingSourceId)])
      if (exchangeId !== undefined) await state.removeMember(fundingSourcesKey(exchangeId), fundingSourceId)
    },
    /** Whether a change of the funding source made at `at` still stands: false when its removal came after. */
    async fundingSourceChangeStands (fundingSourceId: string, at: string): Promise<boolean> {
      const [removed] = await state.getMany([removedKey(fundingSourceId)])
      return isAfter(at, removed)
    },
    /** The exchange's funding sources, those removed left out. */
    async fundingSourcesOf (exchangeId: string): Promise<string[]> {
      const linked = await state.members(fundingSourcesKey(exchangeId))
      if (linked.length === 0) return linked
      const removed = await state.getMany(linked.map(removedKey))
      return linked.filter((_fundingSourceId, index) => removed[index] === undefined)
    }
  }
}

export type BankLinkStore = ReturnType<typeof createBankLinkStore>
