import t from 'tap'
import { createTokenManager, type AccessToken } from '../../src/dwolla/token.js'

function fakeDwolla (tokens: Array<AccessToken | Error>) {
  let calls = 0
  const fetches: Array<(value?: unknown) => void> = []
  return {
    get calls () { return calls },
    releaseAll: () => fetches.splice(0).forEach((release) => release()),
    fetchToken: () => {
      const token = tokens[calls++]!
      return new Promise<AccessToken>((resolve, reject) => {
        fetches.push(() => token instanceof Error ? reject(token) : resolve(token))
      })
    }
  }
}

t.test('caches the token until shortly before it expires', async (t) => {
  let now = 0
  const dwolla = fakeDwolla([{ value: 'a', expiresIn: 3600 }, { value: 'b', expiresIn: 3600 }])
  const tokens = createTokenManager({ fetchToken: dwolla.fetchToken, now: () => now })
  const first = tokens.get()
  dwolla.releaseAll()
  t.equal(await first, 'a')
  now = 3540_000 - 1
  t.equal(await tokens.get(), 'a', 'still cached a minute before expiry')
  t.equal(dwolla.calls, 1)
  now = 3540_000
  const second = tokens.get()
  dwolla.releaseAll()
  t.equal(await second, 'b', 'refreshed one minute before expiry')
  t.equal(dwolla.calls, 2)
  t.equal(tokens.refreshes, 2)
})

t.test('a short-lived token is refreshed a tenth of its life early', async (t) => {
  let now = 0
  const dwolla = fakeDwolla([{ value: 'a', expiresIn: 100 }, { value: 'b', expiresIn: 100 }])
  const tokens = createTokenManager({ fetchToken: dwolla.fetchToken, now: () => now })
  const first = tokens.get()
  dwolla.releaseAll()
  await first
  now = 89_999
  t.equal(await tokens.get(), 'a')
  now = 90_000
  const second = tokens.get()
  dwolla.releaseAll()
  t.equal(await second, 'b')
})

t.test('one refresh at a time however many requests wait', async (t) => {
  const dwolla = fakeDwolla([{ value: 'a', expiresIn: 3600 }])
  const tokens = createTokenManager({ fetchToken: dwolla.fetchToken })
  const waiting = Array.from({ length: 100 }, () => tokens.get())
  dwolla.releaseAll()
  t.same(new Set(await Promise.all(waiting)), new Set(['a']))
  t.equal(dwolla.calls, 1)
})

t.test('a failed refresh fails its waiters and the next request tries again', async (t) => {
  const dwolla = fakeDwolla([new Error('down'), { value: 'b', expiresIn: 3600 }])
  const tokens = createTokenManager({ fetchToken: dwolla.fetchToken })
  const waiting = [tokens.get(), tokens.get()]
  dwolla.releaseAll()
  for (const waiter of waiting) await t.rejects(waiter, { message: 'down' })
  const next = tokens.get()
  dwolla.releaseAll()
  t.equal(await next, 'b')
  t.equal(dwolla.calls, 2)
})

t.test('invalidate drops a rejected token but not a newer one', async (t) => {
  const dwolla = fakeDwolla([{ value: 'a', expiresIn: 3600 }, { value: 'b', expiresIn: 3600 }])
  const tokens = createTokenManager({ fetchToken: dwolla.fetchToken })
  const first = tokens.get()
  dwolla.releaseAll()
  await first
  tokens.invalidate('a')
  const second = tokens.get()
  dwolla.releaseAll()
  t.equal(await second, 'b')
  tokens.invalidate('a')
  t.equal(await tokens.get(), 'b', 'a stale rejection keeps the current token')
  t.equal(dwolla.calls, 2)
})
