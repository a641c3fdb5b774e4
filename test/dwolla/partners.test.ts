import t from 'tap'
import { createPartnerDirectory } from '../../src/dwolla/partners.js'

const list = [
  { name: 'Finicity', href: 'https://dwolla.test/exchange-partners/1' },
  { name: 'MX', href: 'https://dwolla.test/exchange-partners/2' },
  { name: 'Plaid', href: 'https://dwolla.test/exchange-partners/3' },
  { name: 'VISA', href: 'https://dwolla.test/exchange-partners/4' }
]

t.test('matches partners by name case-insensitively and fetches the list once', async (t) => {
  let fetches = 0
  const partners = createPartnerDirectory({ listPartners: async () => { fetches++; return list } })
  const hrefs = await Promise.all([partners.href('mx'), partners.href('plaid'), partners.href('visa'), partners.href('mx')])
  t.same(hrefs, [list[1]!.href, list[2]!.href, list[3]!.href, list[1]!.href])
  t.equal(fetches, 1)
})

t.test('a partner Dwolla does not list has no href', async (t) => {
  const partners = createPartnerDirectory({ listPartners: async () => list.slice(0, 2) })
  t.equal(await partners.href('visa'), undefined)
})

t.test('forget makes the next lookup fetch the list afresh', async (t) => {
  let fetches = 0
  const partners = createPartnerDirectory({ listPartners: async () => { fetches++; return list } })
  await partners.href('mx')
  partners.forget()
  await partners.href('mx')
  t.equal(fetches, 2)
})

t.test('a list that arrives after forget is not kept: the next lookup fetches afresh', async (t) => {
  const releases: Array<() => void> = []
  let fetches = 0
  const partners = createPartnerDirectory({
    listPartners: () => { fetches++; return new Promise((resolve) => releases.push(() => resolve(list))) }
  })
  const inFlight = partners.href('mx')
  partners.forget()
  releases.shift()?.()
  t.equal(await inFlight, list[1]!.href, 'the lookup that asked still gets its answer')
  const next = partners.href('mx')
  t.equal(fetches, 2, 'but the list it came with was not kept')
  releases.shift()?.()
  t.equal(await next, list[1]!.href)
  t.equal(await partners.href('mx'), list[1]!.href)
  t.equal(fetches, 2, 'the fresh list is kept')
})

t.test('a failed fetch is not cached', async (t) => {
  let fetches = 0
  const partners = createPartnerDirectory({
    listPartners: async () => {
      if (fetches++ === 0) throw new Error('down')
      return list
    }
  })
  await t.rejects(partners.href('mx'), { message: 'down' })
  t.equal(await partners.href('mx'), list[1]!.href)
})

t.test("an href names its partner, from the same cached list; another partner's href names none of ours", async (t) => {
  let fetches = 0
  const partners = createPartnerDirectory({ listPartners: async () => { fetches++; return list } })
  t.equal(await partners.partnerOf(list[3]!.href), 'visa', 'matched by name case-insensitively')
  t.equal(await partners.partnerOf(list[2]!.href), 'plaid')
  t.equal(await partners.partnerOf(list[0]!.href), undefined, 'Finicity is not a partner this service knows')
  t.equal(await partners.partnerOf('https://dwolla.test/exchange-partners/9'), undefined, 'an href Dwolla does not list')
  await partners.href('mx')
  t.equal(fetches, 1)
})
