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
  t.equal(tokens.cached(), undefined, 'nothing cached before the first fetch')
  const first = tokens.get()
  dwolla.releaseAll()
  t.equal(await first, 'a')
  now = 3540_000 - 1
  t.equal(await tokens.get(), 'a', 'still cached a minute before expiry')
  t.equal(tokens.cached(), 'a', 'and answered without a wait')
  t.equal(dwolla.calls, 1)
  now = 3540_000
  t.equal(tokens.cached(), undefined, 'not once it is due for a refresh')
  const second = tokens.get()
  dwolla.releaseAll()
  t.equal(await second, 'b', 'refreshed one minute before expiry')
  t.equal(dwolla.calls, 2)
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

t.test('a failed refresh fails its waiters, then requests fail fast for a cooldown that doubles', async (t) => {
  let now = 0
  const dwolla = fakeDwolla([new Error('down'), new Error('still down'), { value: 'c', expiresIn: 3600 }])
  const tokens = createTokenManager({ fetchToken: dwolla.fetchToken, now: () => now })
  const waiting = [tokens.get(), tokens.get()]
  dwolla.releaseAll()
  for (const waiter of waiting) await t.rejects(waiter, { message: 'down' })
  now = 999
  await t.rejects(tokens.get(), { message: 'down' }, 'fails fast within the first second')
  t.equal(dwolla.calls, 1)
  now = 1000
  const second = tokens.get()
  dwolla.releaseAll()
  await t.rejects(second, { message: 'still down' })
  now = 2999
  await t.rejects(tokens.get(), { message: 'still down' }, 'the cooldown doubled')
  now = 3000
  const third = tokens.get()
  dwolla.releaseAll()
  t.equal(await third, 'c')
  t.equal(dwolla.calls, 3)
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
