/** The open banking partners this service links banks through, as Dwolla names them. */
export const PARTNER_NAMES = ['visa', 'plaid', 'mx'] as const
export type PartnerName = typeof PARTNER_NAMES[number]

const PARTNERS: ReadonlySet<string> = new Set(PARTNER_NAMES)
const isPartnerName = (name: string): name is PartnerName => PARTNERS.has(name)

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
  /** The list once it has arrived, read without a wait. */
  let loaded: Map<string, string> | undefined

  function load () {
    if (hrefs !== undefined) return hrefs
    const fetching: Promise<Map<string, string>> = listPartners().then(
      (partners) => {
        const byName = new Map(partners.map(({ name, href }) => [name.toLowerCase(), href]))
        // Unless forgotten meanwhile: then the next call fetches afresh.
        if (hrefs === fetching) loaded = byName
        return byName
      },
      (error: unknown) => {
        hrefs = undefined
        throw error
      })
    hrefs = fetching
    return fetching
  }

  /** The lowercase name of the partner an href names, any partner Dwolla lists; undefined when it lists none. */
  async function nameOf (href: string): Promise<string | undefined> {
    for (const [name, partnerHref] of await load()) {
      if (partnerHref === href) return name
    }
    return undefined
  }

  return {
    /** The partner's href, or undefined when Dwolla does not list it. */
    href (partner: PartnerName): Promise<string | undefined> {
      return loaded ? Promise.resolve(loaded.get(partner)) : load().then((byName) => byName.get(partner))
    },
    nameOf,
    /** The partner an href names (an exchange's own, say), or undefined when it is none of ours. */
    async partnerOf (href: string): Promise<PartnerName | undefined> {
      const name = await nameOf(href)
      return name !== undefined && isPartnerName(name) ? name : undefined
    },
    /** Forgets the list, e.g. after Dwolla rejected a cached href. */
    forget () {
      hrefs = undefined
      loaded = undefined
    }
  }
}
