/**
 * Security headers on every response (API, dashboard, assets, errors) through @fastify/helmet:
 * a Content-Security-Policy that fits the dashboard (it loads nothing from elsewhere; React and
 * uPlot set inline style attributes) and forbids framing, `nosniff`, a same-origin referrer,
 * no cross-origin embedding. HSTS only where it means something: over HTTPS, or when cookies
 * are `Secure` (`COOKIE_SECURE=true`, the server sits behind a TLS proxy).
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
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

/** Registers the headers on `app`. */
export async function registerSecurityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    hsts: false,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (config.COOKIE_SECURE === 'true' || request.protocol === 'https')
      reply.header('Strict-Transport-Security', HSTS);
  });
}
