/**
 * Security headers on every response (API, dashboard, assets, errors) through helmet:
 * a Content-Security-Policy that fits the dashboard (it loads nothing from elsewhere; React and
 * uPlot set inline style attributes) and forbids framing, `nosniff`, a same-origin referrer,
 * no cross-origin embedding. HSTS only where it means something: over HTTPS, or when cookies
 * are `Secure` (`COOKIE_SECURE=true`, the server sits behind a TLS proxy). The headers do not
 * depend on the request: helmet computes them once at start (per request, building them again
 * was the largest cost of a cached GET after the socket write).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { Config } from '../config.ts';

/** The dashboard's policy; JSON responses carry it too, where it forbids everything but itself. */
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

/** Registers the headers on `app`. */
export async function registerSecurityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  const headers = helmetHeaders();
  const withHsts = { ...headers, 'strict-transport-security': HSTS };
  const alwaysHsts = config.COOKIE_SECURE === 'true';
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(alwaysHsts || request.protocol === 'https' ? withHsts : headers);
    done();
  });
}
