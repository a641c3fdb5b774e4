import t from 'tap'
import type { PartnerName as Partner } from '../../src/dwolla/client.js'
import { checkRedirect, type Platform } from '../../src/exchange-sessions/redirect-rules.js'

const registered = new Set([
  'https://app.example.com/iav-callback',
  'http://localhost:3000/demo/callback',
  'http://127.0.0.1:8080/cb',
  'http://app.example.com/ios-callback',
  'https://example.com/app123',
  'com.example.app123',
  'http://insecure.example.com/cb'
])

// The table in docs/app-developers.md, row by row: partner, platform, redirectUrl → the problem code, or null for accepted.
const rows: Array<[Partner, Platform, string | undefined, string | null]> = [
  ['visa', 'web', 'https://app.example.com/iav-callback', null],
  ['visa', 'ios', 'https://app.example.com/iav-callback', null],
  ['visa', 'android', 'https://app.example.com/iav-callback', null],
  ['visa', 'web', 'http://localhost:3000/demo/callback', null],
  ['visa', 'web', 'http://127.0.0.1:8080/cb', null],
  ['visa', 'web', undefined, 'REDIRECT_URL_REQUIRED'],
  ['visa', 'android', undefined, 'REDIRECT_URL_REQUIRED'],
  ['visa', 'web', 'http://insecure.example.com/cb', 'REDIRECT_URL_INVALID'],
  ['visa', 'web', 'com.example.app123', 'REDIRECT_URL_INVALID'],
  ['visa', 'web', '/relative/callback', 'REDIRECT_URL_INVALID'],
  ['visa', 'web', 'https:app.example.com', 'REDIRECT_URL_INVALID'],
  ['visa', 'web', 'javascript:alert(1)', 'REDIRECT_URL_INVALID'],
  ['visa', 'web', 'https://app.example.com/iav callback', 'REDIRECT_URL_INVALID'],
  ['visa', 'web', 'https://[bad/', 'REDIRECT_URL_INVALID'],
  ['visa', 'web', 'https://evil.example.com/iav-callback', 'REDIRECT_URL_NOT_REGISTERED'],
  ['visa', 'web', 'https://app.example.com/iav-callback/', 'REDIRECT_URL_NOT_REGISTERED'],
  ['plaid', 'web', undefined, null],
  ['plaid', 'web', 'https://app.example.com/iav-callback', 'REDIRECT_URL_NOT_ALLOWED'],
  ['plaid', 'ios', 'https://example.com/app123', null],
  ['plaid', 'ios', 'http://app.example.com/ios-callback', null],
  ['plaid', 'ios', undefined, 'REDIRECT_URL_REQUIRED'],
  ['plaid', 'ios', 'com.example.app123', 'REDIRECT_URL_INVALID'],
  ['plaid', 'ios', 'ftp://example.com/app123', 'REDIRECT_URL_INVALID'],
  ['plaid', 'ios', 'https://example.com/other', 'REDIRECT_URL_NOT_REGISTERED'],
  ['plaid', 'android', 'com.example.app123', null],
  ['plaid', 'android', undefined, 'REDIRECT_URL_REQUIRED'],
  ['plaid', 'android', 'https://example.com/app123', 'REDIRECT_URL_INVALID'],
  ['plaid', 'android', 'example', 'REDIRECT_URL_INVALID'],
  ['plaid', 'android', '1com.example', 'REDIRECT_URL_INVALID'],
  ['plaid', 'android', 'com.example.other', 'REDIRECT_URL_NOT_REGISTERED'],
  ['mx', 'web', undefined, null],
  ['mx', 'ios', undefined, null],
  ['mx', 'android', undefined, null],
  ['mx', 'web', 'https://app.example.com/iav-callback', 'REDIRECT_URL_NOT_ALLOWED'],
  ['mx', 'android', 'com.example.app123', 'REDIRECT_URL_NOT_ALLOWED']
]

for (const [partner, platform, redirectUrl, expected] of rows) {
  t.test(`${partner} on ${platform} with ${redirectUrl ?? 'no redirect'} → ${expected ?? 'accepted'}`, async (t) => {
    const violation = checkRedirect({ partner, platform, redirectUrl }, registered)
    t.equal(violation?.code ?? null, expected)
  })
}

t.test('the detail tells the caller which form is expected', async (t) => {
  t.match(checkRedirect({ partner: 'plaid', platform: 'android', redirectUrl: 'x' }, registered)?.detail, /Android package name/)
  t.match(checkRedirect({ partner: 'visa', platform: 'web', redirectUrl: undefined }, registered)?.detail, /https: URL/)
  t.match(checkRedirect({ partner: 'mx', platform: 'ios', redirectUrl: 'x' }, registered)?.detail, /mx on ios takes no redirectUrl/)
})
