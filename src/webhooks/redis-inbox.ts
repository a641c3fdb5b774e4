import { Queue, Worker, type Job } from 'bullmq'
import type { FastifyBaseLogger } from 'fastify'
import type { InboxTuning } from '../config/shape.js'
import { withinDeadline } from '../deadline.js'
import type { Metrics } from '../metrics/registry.js'
import { createRedisConnection, workerConnectionOptions } from '../redis.js'
import { DONE_FOR_MS, keptOf, screened, type HandledEvent, type WebhookInbox } from './inbox.js'
import type { WebhookProcessor } from './processor.js'

const QUEUE = 'bff-webhook-events'
/** Well within Dwolla's 10 s: past it the event is not kept, the answer is 503 and Dwolla retries. */
const STORE_DEADLINE_MS = 2000
/** A shutdown waits this long for the work in hand, well within SHUTDOWN_GRACE_MS. */
const CLOSE_DEADLINE_MS = 2000

export interface DeadLetter {
  id: string
  topic: string
  created: string
  tries: number
  lastError: string
}

/** The inbox's queue as the webhooks command sees it: its dead letters, and putting one back. */
export function openDeadLetters (url: string) {
  const connection = createRedisConnection(url)
  const queue = new Queue<HandledEvent>(QUEUE, { connection })
  // The command that needed Redis reports its failure by message; left unheard, ioredis would print the
  // error whole, and a refused AUTH carries the password.
  const ignore = () => {}
  connection.on('error', ignore)
  queue.on('error', ignore)
  return {
    async list (): Promise<DeadLetter[]> {
      const jobs = await queue.getFailed()
      // By the job's own id and name (the event's id and topic): a job whose data is not an event is listed too.
      return jobs.map(({ id, name, data, attemptsMade, failedReason }) => ({
        id: String(id), topic: name, created: String((data as Partial<HandledEvent> | null)?.created), tries: attemptsMade, lastError: failedReason
      }))
    },
    /** Puts the dead letter back in the inbox with its tries anew; false when there is no such dead letter. */
    async replay (eventId: string): Promise<boolean> {
      const job = await queue.getJob(eventId)
      if (job === undefined || !await job.isFailed()) return false
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
      return true
    },
    async close () {
      await queue.close()
      connection.disconnect()
    }
  }
}

export type DeadLetters = ReturnType<typeof openDeadLetters>

/**
 * The inbox every replica shares, a BullMQ queue: the event id is the job id (a redelivery is
 * the same job), retries back off exponentially, a job whose replica died is taken over when its
 * lock lapses, a job out of tries stays in the failed set (the dead letters), and done jobs are
 * kept as long as catch-up can bring an event back. Every replica works the queue.
 */
export async function createRedisInbox (
  url: string,
  process: WebhookProcessor,
  { log, metrics, tuning }: { log: FastifyBaseLogger, metrics: Metrics['webhooks'], tuning: InboxTuning }
): Promise<WebhookInbox> {
  const connection = createRedisConnection(url)
  const queue = new Queue<HandledEvent>(QUEUE, {
    connection,
    defaultJobOptions: {
      attempts: tuning.attempts,
      backoff: { type: 'exponential', delay: tuning.backoffMs },
      removeOnComplete: { age: DONE_FOR_MS / 1000 },
      removeOnFail: false
    }
  })
  queue.on('error', (error) => log.warn({ err: error }, 'webhook inbox Redis unavailable'))
  await queue.waitUntilReady()

  const worker = new Worker<HandledEvent>(QUEUE, async (job: Job<HandledEvent>) => { await process(job.data) }, {
    connection: workerConnectionOptions(url),
    concurrency: 10,
    lockDuration: tuning.leaseMs,
    stalledInterval: tuning.leaseMs,
    // A job whose replica died twice is a dead letter rather than a crash loop for every replica.
    maxStalledCount: 2
  })
  worker.on('error', (error) => log.warn({ err: error }, 'webhook inbox worker failed: Redis unavailable, or a job it cannot read'))
  // BullMQ names the job of every failure its processor or a lapsed lease caused: the only ones this worker has.
  worker.on('failed', (failed, error) => {
    const job = failed as Job<HandledEvent>
    const fields = { err: error, eventId: job.id, topic: job.name, tries: job.attemptsMade }
    if (!job.finishedOn) return log.warn(fields, 'webhook event processing failed: tried again later')
    metrics.deadLettered.inc()
    log.error(fields, 'webhook event processing failed on its last try: a dead letter (npm run webhooks -- dead-letters)')
  })

  return {
    accept: screened(async (event) => {
      if (await withinDeadline(queue.getJobState(event.id), STORE_DEADLINE_MS) !== 'unknown') return 'duplicate'
      await withinDeadline(queue.add(event.topic, keptOf(event), { jobId: event.id }), STORE_DEADLINE_MS)
      return 'accepted'
    }, metrics),
    async close () {
      // The work in hand is not waited for: a job left active is taken over when its lease lapses. A
      // stalled Redis would hold the close for ever, hence the deadline. The worker's connections are
      // BullMQ's own; the queue's is ours.
      await withinDeadline(Promise.all([worker.close(true), queue.close()]), CLOSE_DEADLINE_MS).catch(() => {})
      connection.disconnect()
    }
  }
}
