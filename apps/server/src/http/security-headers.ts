/**
 * Security headers on every response (API, dashboard, assets, errors, event streams), set in one
 * `onSend` hook from sets computed once at start:
 *
 * - HTML (the dashboard, the API documentation) gets helmet's full set with a Content-Security-
 *   Policy that fits the dashboard (it loads nothing from elsewhere; React and uPlot set inline
 *   style attributes) and forbids framing;
 * - everything else (JSON, assets, streams) gets the short set that matters for a response no
 *   browser renders as a page: `nosniff`, a policy that allows nothing and no framing
 *   (`default-src 'none'; frame-ancestors 'none'`), `X-Frame-Options`, a same-origin referrer and
 *   no cross-origin embedding. The rest of helmet's set (cross-origin opener policy, origin
 *   agent clusters, DNS prefetch, download options) only acts on documents;
 * - a `304` carries none: it has no body, and the browser keeps the headers of the copy it has
 *   (RFC 9110 §15.4.5 lists what a 304 sends: ETag, Cache-Control, Vary).
 *
 * HSTS is added where it means something: over HTTPS, or when cookies are `Secure`
 * (`COOKIE_SECURE=true`, the server sits behind a TLS proxy).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { Config } from '../config.ts';

/** The dashboard's policy. */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

const HSTS = 'max-age=31536000; includeSubDomains';

/** The headers helmet sets with our options, collected once. */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const collector = {
    // Lower-case names, as Fastify keeps them: nothing to convert per request.
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let error: unknown;
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    hsts: false,
  })({} as IncomingMessage, collector as unknown as ServerResponse, (err?: unknown) => {
    error = err;
  });
  if (error) throw error;
  return headers;
}

/** The short set every response that is not a page carries. */
const SHORT: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/** The header sets of one server, HSTS decided by its configuration. */
export class SecurityHeaders {
  /** For pages (HTML). */
  readonly page: Readonly<Record<string, string>>;
  /** For everything else. */
  readonly short: Readonly<Record<string, string>>;
  private readonly pageHsts: Readonly<Record<string, string>>;
  private readonly shortHsts: Readonly<Record<string, string>>;
  /** Whether every response carries HSTS (`COOKIE_SECURE=true`). */
  readonly alwaysHsts: boolean;

  constructor(config: Pick<Config, 'COOKIE_SECURE'>) {
    const page = helmetHeaders();
    this.alwaysHsts = config.COOKIE_SECURE === 'true';
    this.pageHsts = { ...page, 'strict-transport-security': HSTS };
    this.shortHsts = { ...SHORT, 'strict-transport-security': HSTS };
    this.page = this.alwaysHsts ? this.pageHsts : page;
    this.short = this.alwaysHsts ? this.shortHsts : SHORT;
  }

  /** The set for a response to `request`: the page set when `html`. */
  for(request: FastifyRequest, html: boolean): Readonly<Record<string, string>> {
    if (!this.alwaysHsts && request.protocol === 'https') return html ? this.pageHsts : this.shortHsts;
    return html ? this.page : this.short;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The security headers' sets, for replies written outside Fastify's (streams, the fast path). */
    securityHeaders: SecurityHeaders;
  }
}

/** Registers the headers on `app`; returns its sets. */
export function registerSecurityHeaders(app: FastifyInstance, config: Config): SecurityHeaders {
  const sets = new SecurityHeaders(config);
  app.decorate('securityHeaders', sets);
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode !== 304) {
      const type = reply.getHeader('content-type');
      reply.headers(sets.for(request, typeof type === 'string' && type.startsWith('text/html')));
    }
    done(null, payload);
  });
  return sets;
}
