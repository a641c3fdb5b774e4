import t from 'tap'
import { startRedis } from './auth/redis.js'
import { startStack } from './helpers.js'
t.test('close after redis stops', async (t) => {
  const redis = await startRedis(t)
  const one = await startStack(t, { REDIS_URL: redis.url })
  await redis.stop()
  await new Promise((r) => setTimeout(r, 300))
  const started = performance.now()
  const timer = setInterval(() => console.error('still closing', Math.round(performance.now() - started)), 2000)
  one.app.addHook('onClose', async () => { console.error('root onClose done at', Math.round(performance.now() - started)) })
  await one.app.close()
  clearInterval(timer)
  t.comment(`closed in ${performance.now() - started} ms`)
})
