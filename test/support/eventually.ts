import { setTimeout as sleep } from 'node:timers/promises'

/** Waits until the condition holds, checking every 20 ms; fails after timeoutMs rather than hang. */
export async function eventually (condition: () => boolean | Promise<boolean>, { timeoutMs = 20_000 } = {}) {
  const deadline = performance.now() + timeoutMs
  while (!await condition()) {
    if (performance.now() > deadline) throw new Error(`the condition did not hold within ${timeoutMs} ms`)
    await sleep(20)
  }
}
