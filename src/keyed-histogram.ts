import type { Histogram, Registry } from 'prom-client'

type Labels<T extends string> = Record<T, string | number>

interface Series<T extends string> {
  labels: Labels<T>
  /** Observations per bucket (not cumulative), the last one above every bound. */
  counts: number[]
  sum: number
  count: number
}

export interface KeyedHistogramOptions {
  name: string
  help: string
  /** Upper bounds, ascending. */
  buckets: readonly number[]
  registers: Registry[]
}

/**
 * A histogram whose series the caller finds by a key it builds from the labels, with its buckets
 * in an array. prom-client's own observe hashes the label object and keys each bucket by its bound
 * as a string: about 3 µs a call, three calls per request. Registered in a prom-client registry,
 * which formats it as it formats its own histograms.
 */
export class KeyedHistogram<T extends string> {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly name: string
  readonly help: string
  readonly #bounds: readonly number[]
  readonly #series = new Map<string, Series<T>>()

  constructor ({ name, help, buckets, registers }: KeyedHistogramOptions) {
    this.name = name
    this.help = help
    this.#bounds = buckets
    // The registry reads name, type, get() and reset(), all a histogram of its own offers.
    for (const registry of registers) registry.registerMetric(this as unknown as Histogram)
  }

  /** Observes a value in the series of these labels; `key` must be the same for the same labels, and differ otherwise. */
  record (key: string, labels: Labels<T>, value: number) {
    let series = this.#series.get(key)
    if (series === undefined) {
      series = { labels, counts: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 }
      this.#series.set(key, series)
    }
    let bucket = 0
    while (bucket < this.#bounds.length && value > (this.#bounds[bucket] as number)) bucket++
    ;(series.counts[bucket] as number)++
    series.sum += value
    series.count++
  }

  /** Each series' labels and its number of observations. */
  * counts (): Generator<[Labels<T>, number]> {
    for (const { labels, count } of this.#series.values()) yield [labels, count]
  }

  /** Cumulative buckets, +Inf, sum and count of every series, as prom-client's histograms answer. */
  async get () {
    const [bucket, sum, count] = [`${this.name}_bucket`, `${this.name}_sum`, `${this.name}_count`]
    const values = []
    for (const series of this.#series.values()) {
      const { labels } = series
      let cumulative = 0
      for (const [i, le] of this.#bounds.entries()) {
        cumulative += series.counts[i] as number
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: bucket })
      }
      values.push(
        { labels: { le: '+Inf', ...labels }, value: series.count, metricName: bucket },
        { labels, value: series.sum, metricName: sum },
        { labels, value: series.count, metricName: count }
      )
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  reset () {
    this.#series.clear()
  }
}
