// The demo's settings from the service: the seeded customer, Visa's registered redirect URL, Plaid's script.
export const config = await (await fetch('/demo/config.json')).json()
