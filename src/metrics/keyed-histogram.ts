import type { Histogram, Registry } from 'prom-client'

type Labels<T extends string> = Record<T, string | number>

interface Series<T extends string> {
  labels: Labels<T>
  /** Observations per bucket (not cumulative), the last one above every bound. */
  counts: number[]
  sum: number
  count: number
}

export interface KeyedHistogramOptions<T extends string> {
  name: string
  help: string
  /** In the order a series is looked up by. */
  labelNames: readonly T[]
  /** Upper bounds, ascending. */
  buckets: readonly number[]
  registers: Registry[]
}

/** One level per label, the last one holding the series. */
type Levels<T extends string> = Map<string | number, Levels<T> | Series<T>>

/**
 * A histogram whose series are found through one map per label, by the label values themselves,
 * with the buckets in an array. prom-client's own observe hashes the label object into a string
 * and keys each bucket by its bound as a string, on each of three calls per request.
 * Registered in a prom-client registry, which formats it as it formats its own histograms.
 */
export class KeyedHistogram<T extends string> {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly name: string
  readonly help: string
  readonly #labelNames: readonly T[]
  readonly #bounds: readonly number[]
  #levels: Levels<T> = new Map()
  #series: Array<Series<T>> = []

  constructor ({ name, help, labelNames, buckets, registers }: KeyedHistogramOptions<T>) {
    this.name = name
    this.help = help
    this.#labelNames = labelNames
    this.#bounds = buckets
    // The registry reads name, type, get() and reset(), all a histogram of its own offers.
    for (const registry of registers) registry.registerMetric(this as unknown as Histogram)
  }

  /** Observes a value in the series of these labels. */
  record (labels: Labels<T>, value: number) {
    const names = this.#labelNames
    let level = this.#levels
    for (let i = 0; i < names.length - 1; i++) {
      const key = labels[names[i] as T]
      let next = level.get(key) as Levels<T> | undefined
      if (next === undefined) {
        next = new Map()
        level.set(key, next)
      }
      level = next
    }
    const key = labels[names[names.length - 1] as T]
    let series = level.get(key) as Series<T> | undefined
    if (series === undefined) {
      series = { labels, counts: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 }
      level.set(key, series)
      this.#series.push(series)
    }
    let bucket = 0
    while (bucket < this.#bounds.length && value > (this.#bounds[bucket] as number)) bucket++
    ;(series.counts[bucket] as number)++
    series.sum += value
    series.count++
  }

  /** Each series' labels and its number of observations. */
  * counts (): Generator<[Labels<T>, number]> {
    for (const { labels, count } of this.#series) yield [labels, count]
  }

  /** Cumulative buckets, +Inf, sum and count of every series, as prom-client's histograms answer. */
  async get () {
    const [bucket, sum, count] = [`${this.name}_bucket`, `${this.name}_sum`, `${this.name}_count`]
    const values = []
    for (const series of this.#series) {
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
    this.#levels = new Map()
    this.#series = []
  }
}
