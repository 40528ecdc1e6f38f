import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { inspect } from 'node:util';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TickflowError } from '../core/index.js';

/**
 * Who may change the running pipeline. Reading is open (market data; see cors.ts for browsers);
 * the routes that change state (model reload, promote, any later admin route) need the API key
 * whenever the server has one, and a server listening beyond loopback must have one.
 *
 * This module is loaded by the CLI's config parsing, so it imports nothing heavy at runtime
 * (Fastify types only): `tickflow --help` stays fast.
 */

/** Short keys can be guessed; 16 characters of `openssl rand -hex 32` output are 64 bits. */
export const MIN_API_KEY_LENGTH = 16;

/** POST routes that change nothing (the seed API's predictions): open to anyone, like GETs. */
export const READ_ONLY_POSTS: ReadonlySet<string> = new Set(['/predict', '/batch_predict']);

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** OpenAPI `components.securitySchemes`: the key as a bearer token or in `x-api-key`. */
export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: "the server's API key (`--api-key-file` or TICKFLOW_API_KEY) as `Authorization: Bearer <key>`",
  },
  apiKeyHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: "the server's API key in the `x-api-key` header",
  },
} as const;

/** A route's OpenAPI `security`: either scheme will do. */
export const ROUTE_SECURITY: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * The API key. Only its SHA-256 digest is kept, and it prints as `[redacted]` (JSON, `inspect`,
 * string), so dumping a config or logging an object that holds it cannot leak it. Comparing
 * digests of equal length in constant time also hides the key's length.
 */
export class ApiKey {
  readonly #digest: Buffer;

  private constructor(d: Buffer) {
    this.#digest = d;
  }

  /** `from` names where the key came from, for the error message (never the key itself). */
  static parse(raw: string, from: string): ApiKey {
    const key = raw.trim();
    if (key.length < MIN_API_KEY_LENGTH) {
      throw new TickflowError(
        'CONFIG_INVALID',
        `${from}: the API key must be at least ${MIN_API_KEY_LENGTH} characters (make one with \`openssl rand -hex 32\`)`,
      );
    }
    // It travels in an HTTP header: printable ASCII, no spaces.
    if (!/^[\x21-\x7e]+$/.test(key)) {
      throw new TickflowError('CONFIG_INVALID', `${from}: the API key must be printable ASCII without spaces`);
    }
    return new ApiKey(digest(key));
  }

  matches(presented: string): boolean {
    return timingSafeEqual(this.#digest, digest(presented));
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'ApiKey [redacted]';
  }
}

/**
 * The key from a file (`--api-key-file`, TICKFLOW_API_KEY_FILE or the config file's
 * `apiKeyFile`) or from the environment variable TICKFLOW_API_KEY. There is deliberately no flag
 * taking the key itself: a command line is visible to every user of the machine (`ps`) and
 * lands in shell history. Both set is an error rather than a silent choice.
 */
export function loadApiKey(file: string, envKey: string | undefined): ApiKey | undefined {
  const fromEnv = envKey !== undefined && envKey.trim() !== '';
  if (file !== '' && fromEnv) {
    throw new TickflowError('CONFIG_INVALID', 'both an API key file and TICKFLOW_API_KEY are set; keep one');
  }
  if (fromEnv) return ApiKey.parse(envKey, 'environment variable TICKFLOW_API_KEY');
  if (file === '') return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TickflowError('CONFIG_INVALID', `API key file ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return ApiKey.parse(text, `API key file ${file}`);
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * True for an address only this machine can reach: 127.0.0.0/8, ::1 (also IPv4-mapped), and
 * the name `localhost`. `0.0.0.0`, `::` and every other name count as reachable from outside.
 */
export function isLoopback(hostOrAddress: string): boolean {
  const h = hostOrAddress
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const family = isIP(h);
  if (family === 0) return false;
  return loopback.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

const PROXY_KEYWORDS: ReadonlySet<string> = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `--trust-proxy`: the proxies whose `X-Forwarded-For` is believed, as addresses, CIDRs or
 * `loopback` / `linklocal` / `uniquelocal`; empty or `none`: no proxy. There is no "trust any":
 * a client talking to tickflow directly could then claim any address, including an exempt one.
 */
export function parseTrustProxy(raw: string): string[] {
  const t = raw.trim();
  if (t === '' || t === 'none') return [];
  return t
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [addr = '', bits, extra] = p.split('/');
      const family = isIP(addr);
      const max = family === 4 ? 32 : 128;
      const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
      if (PROXY_KEYWORDS.has(p) || (family !== 0 && okBits && extra === undefined)) return p;
      throw new Error(`'${p}' must be an IP address, a CIDR such as 10.0.0.0/8, or loopback, linklocal, uniquelocal`);
    });
}

/** Start-up refuses a server others can reach whose state-changing routes nobody guards. */
export function checkExposure(host: string, key: ApiKey | undefined): void {
  if (key !== undefined || isLoopback(host)) return;
  throw new TickflowError(
    'CONFIG_INVALID',
    `listening on ${host} makes the API reachable from other machines, so the routes that change the pipeline ` +
      '(POST /model/reload, POST /api/models/{id}/promote) need an API key: write one to a file ' +
      '(`openssl rand -hex 32 > api.key && chmod 600 api.key`) and pass --api-key-file api.key (or set TICKFLOW_API_KEY), ' +
      'or listen on 127.0.0.1 (the default); see docs/SECURITY.md',
  );
}

/** Everything but GET/HEAD/OPTIONS and the read-only seed predictions changes state. */
export function changesState(method: string | readonly string[], url: string): boolean {
  const methods = typeof method === 'string' ? [method] : method;
  return methods.some((m) => !SAFE_METHODS.has(m.toUpperCase())) && !READ_ONLY_POSTS.has(url);
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer +(\S+) *$/i.exec(auth);
    if (m?.[1] !== undefined) return m[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
}

/** An onRequest hook answering 401 UNAUTHORIZED unless the request presents `key`. */
export function requireApiKey(key: ApiKey): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const presented = presentedKey(request);
    if (presented !== undefined && key.matches(presented)) return;
    const what = `${request.method} ${request.routeOptions.url ?? request.url}`;
    void reply.header('www-authenticate', 'Bearer realm="tickflow"');
    throw new TickflowError(
      'UNAUTHORIZED',
      presented === undefined
        ? `${what} changes the running pipeline and needs this server's API key: send it as \`Authorization: Bearer <key>\` or \`x-api-key: <key>\``
        : `the API key sent with ${what} is not this server's (sent as \`Authorization: Bearer <key>\` or \`x-api-key: <key>\`)`,
    );
  };
}
