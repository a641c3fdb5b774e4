import type { PartnerName as Partner } from '../dwolla/client.js'
import type { ProblemCode } from '../problems.js'

export type Platform = 'web' | 'ios' | 'android'

export interface RedirectRequest {
  partner: Partner
  platform: Platform
  redirectUrl: string | undefined
}

export interface RedirectViolation {
  code: ProblemCode
  detail: string
}

type Form = 'https' | 'http(s)' | 'android-package'

/** Each partner and platform: whether a redirect is needed and of which form (the table in docs/app-developers.md). */
const RULES: Record<Partner, Record<Platform, Form | 'none'>> = {
  visa: { web: 'https', ios: 'https', android: 'https' },
  plaid: { web: 'none', ios: 'http(s)', android: 'android-package' },
  mx: { web: 'none', ios: 'none', android: 'none' }
}

const ANDROID_PACKAGE = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/
const ABSOLUTE_HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1'])

const FORM_DESCRIPTIONS: Record<Form, string> = {
  https: 'an absolute https: URL (http: only for localhost or 127.0.0.1)',
  'http(s)': 'an absolute https: or http: URL',
  'android-package': 'an Android package name such as com.example.app'
}

function hasForm (redirectUrl: string, form: Form): boolean {
  if (form === 'android-package') return ANDROID_PACKAGE.test(redirectUrl)
  if (!ABSOLUTE_HTTP_URL.test(redirectUrl) || !URL.canParse(redirectUrl)) return false
  const url = new URL(redirectUrl)
  return form === 'http(s)' || url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname)
}

/**
 * Checks a redirect against the partner's rules and the registered list, before anything
 * reaches Dwolla. Returns the violation, or undefined when the redirect may be sent.
 */
export function checkRedirect (
  { partner, platform, redirectUrl }: RedirectRequest,
  registeredRedirects: ReadonlySet<string>
): RedirectViolation | undefined {
  const form = RULES[partner][platform]
  if (form === 'none') {
    return redirectUrl === undefined
      ? undefined
      : { code: 'REDIRECT_URL_NOT_ALLOWED', detail: `${partner} on ${platform} takes no redirectUrl.` }
  }
  if (redirectUrl === undefined) {
    return { code: 'REDIRECT_URL_REQUIRED', detail: `${partner} on ${platform} needs a redirectUrl: ${FORM_DESCRIPTIONS[form]}.` }
  }
  if (!hasForm(redirectUrl, form)) {
    return { code: 'REDIRECT_URL_INVALID', detail: `For ${partner} on ${platform}, redirectUrl must be ${FORM_DESCRIPTIONS[form]}.` }
  }
  if (!registeredRedirects.has(redirectUrl)) {
    return { code: 'REDIRECT_URL_NOT_REGISTERED', detail: 'redirectUrl is not one of the redirect URLs registered for this service.' }
  }
  return undefined
}
