export type PartnerName = 'visa' | 'plaid' | 'mx'

export interface PartnerDirectoryOptions {
  /** Dwolla's exchange partners as name and self href. */
  listPartners: () => Promise<Array<{ name: string; href: string }>>
}

/**
 * Exchange-partner hrefs by name, fetched from Dwolla once and cached: partner ids differ
 * between sandbox and production, so they are never hard-coded.
 */
export function createPartnerDirectory ({ listPartners }: PartnerDirectoryOptions) {
  let hrefs: Promise<Map<string, string>> | undefined

  function load () {
    hrefs ??= listPartners().then(
      (partners) => new Map(partners.map(({ name, href }) => [name.toLowerCase(), href])),
      (error: unknown) => {
        hrefs = undefined
        throw error
      })
    return hrefs
  }

  return {
    /** The partner's href, or undefined when Dwolla does not list it. */
    async href (partner: PartnerName): Promise<string | undefined> {
      return (await load()).get(partner)
    },
    /** Forgets the list, e.g. after Dwolla rejected a cached href. */
    forget () {
      hrefs = undefined
    }
  }
}

export type PartnerDirectory = ReturnType<typeof createPartnerDirectory>
