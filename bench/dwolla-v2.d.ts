// The little of dwolla-v2 (which ships no types) that bench/peer.ts uses.
declare module 'dwolla-v2' {
  interface DwollaResponse {
    status: number
    headers: { get (name: string): string }
    body: unknown
  }
  interface Client {
    get (path: string): Promise<DwollaResponse>
    post (path: string, body: unknown, headers?: Record<string, string>): Promise<DwollaResponse>
  }
  const dwolla: { Client: new (options: { key: string, secret: string, environment: 'sandbox' | 'production' }) => Client }
  export default dwolla
}
