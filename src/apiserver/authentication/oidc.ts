/**
 * @module apiserver/authentication/oidc
 * OpenID Connect ID tokens (--oidc-* flags). The issuer's discovery document and JWKS are fetched
 * over HTTPS (trusting --oidc-ca-file when given) and the keys cached; a token signed with a key
 * not in the cache makes one, rate-limited, refetch, so the issuer can rotate keys. Checks follow
 * go-oidc's verifier and Kubernetes' claim mapping: iss, aud, exp (no leeway), nbf (5 minutes),
 * the signature, then username, groups and required claims.
 */
import * as https from 'node:https';
import type { JsonWebKey } from 'node:crypto';
import type { UserInfo } from '../registry/context.js';
import { JWTError, audiencesOf, parseJWS, verifyJWS, type ParsedJWS } from './jwt.js';
import { tokenRejected, withAuthenticatedGroup, type TokenAuthenticator, type TokenAuthResult } from './token.js';

export interface OIDCOptions {
  /** --oidc-issuer-url: must be https and equal the `iss` of accepted tokens. */
  issuerURL: string;
  /** --oidc-client-id: must be one of the token's audiences. */
  clientID: string;
  /** --oidc-username-claim (default "sub"). */
  usernameClaim?: string;
  /** --oidc-username-prefix: unset means `issuerURL#` unless the claim is "email"; "-" means none. */
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  /** --oidc-required-claim: each claim must be present with exactly this value. */
  requiredClaims?: Record<string, string>;
  /** --oidc-ca-file contents; the system roots are used when unset. */
  caPEM?: string;
  /** --oidc-signing-algs (default RS256, as Kubernetes). */
  signingAlgs?: string[];
  /** Least time between two JWKS fetches caused by unknown keys (default 10 s). */
  minRefetchIntervalMs?: number;
  fetchTimeoutMs?: number;
  now?: () => Date;
}

const MAX_DOCUMENT_BYTES = 1 << 20;
const NBF_LEEWAY_SECONDS = 5 * 60;

/** GET a JSON document over HTTPS only, with a size limit and a timeout. */
export function fetchJSON(url: string, caPEM: string | undefined, timeoutMs: number): Promise<any> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try { u = new URL(url); } catch { reject(new Error(`invalid URL ${JSON.stringify(url)}`)); return; }
    if (u.protocol !== 'https:') { reject(new Error(`${url}: only https URLs are fetched`)); return; }
    const req = https.get(u, { ca: caPEM, agent: false, timeout: timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) { res.resume(); reject(new Error(`${url}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim())); return; }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_DOCUMENT_BYTES) { req.destroy(new Error(`${url}: response too large`)); return; }
        chunks.push(c);
      });
      res.on('end', () => {
        try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch { reject(new Error(`${url}: response is not JSON`)); }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
  });
}

export class OIDCAuthenticator implements TokenAuthenticator {
  private readonly issuer: string;
  private readonly usernameClaim: string;
  private readonly usernamePrefix: string;
  private readonly algs: string[];
  private readonly minRefetchMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private jwksURI: string | undefined;
  private keys: JsonWebKey[] = [];
  private lastFetch = 0;
  private inflight: Promise<void> | null = null;
  /** How many times the JWKS was fetched (for tests and metrics). */
  jwksFetches = 0;

  constructor(private readonly opts: OIDCOptions) {
    let u: URL;
    try { u = new URL(opts.issuerURL); } catch { throw new Error(`oidc-issuer-url ${JSON.stringify(opts.issuerURL)} is not a valid URL`); }
    if (u.protocol !== 'https:') throw new Error('oidc-issuer-url must use https scheme');
    if (!opts.clientID) throw new Error('oidc-client-id must be set with oidc-issuer-url');
    this.issuer = opts.issuerURL;
    this.usernameClaim = opts.usernameClaim || 'sub';
    const prefix = opts.usernamePrefix ?? '';
    this.usernamePrefix = prefix === '-' ? '' : prefix === '' && this.usernameClaim !== 'email' ? `${this.issuer}#` : prefix;
    this.algs = opts.signingAlgs?.length ? opts.signingAlgs : ['RS256'];
    this.minRefetchMs = opts.minRefetchIntervalMs ?? 10_000;
    this.timeoutMs = opts.fetchTimeoutMs ?? 10_000;
    this.now = opts.now ?? (() => new Date());
  }

  /** Fetches discovery and keys now; the server may call it at start, tokens call it lazily. */
  async initialize(): Promise<void> {
    if (this.jwksURI) return;
    await this.refresh();
  }

  /** One fetch at a time: callers that arrive while one runs share it. */
  private refresh(): Promise<void> {
    if (!this.inflight) {
      this.lastFetch = Date.now();
      this.inflight = this.load().finally(() => { this.inflight = null; });
    }
    return this.inflight;
  }

  private async load(): Promise<void> {
    if (!this.jwksURI) {
      const doc = await fetchJSON(`${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, this.opts.caPEM, this.timeoutMs);
      if (!doc || typeof doc !== 'object') throw new Error('oidc: malformed discovery document');
      if (doc.issuer !== this.issuer) throw new Error(`oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(this.issuer)} got ${JSON.stringify(doc.issuer)}`);
      if (typeof doc.jwks_uri !== 'string' || !doc.jwks_uri) throw new Error('oidc: discovery document has no jwks_uri');
      this.jwksURI = doc.jwks_uri;
    }
    const set = await fetchJSON(this.jwksURI!, this.opts.caPEM, this.timeoutMs);
    this.jwksFetches++;
    if (!set || !Array.isArray(set.keys)) throw new Error('oidc: malformed JWKS');
    this.keys = set.keys.filter((k: any) => k && typeof k === 'object' && (k.kty === 'RSA' || k.kty === 'EC') && (k.use === undefined || k.use === 'sig'));
  }

  private tryKeys(parsed: ParsedJWS): { ok: boolean; error?: unknown } {
    const kid = parsed.header.kid;
    const candidates = kid ? this.keys.filter((k) => (k as any).kid === kid) : this.keys;
    let error: unknown;
    for (const k of candidates) {
      try { verifyJWS(parsed, k, this.algs); return { ok: true }; } catch (e) { error = e; }
    }
    return { ok: false, error };
  }

  private async verifySignature(parsed: ParsedJWS): Promise<void> {
    if (!this.algs.includes(parsed.header.alg)) {
      throw tokenRejected(`oidc: id token signed with unsupported algorithm, expected ${JSON.stringify(this.algs)} got "${parsed.header.alg}"`);
    }
    let r = this.tryKeys(parsed);
    if (r.ok) return;
    // Perhaps the issuer rotated its keys: look again, but not more often than minRefetchMs.
    if (this.inflight || Date.now() - this.lastFetch >= this.minRefetchMs) {
      try { await this.refresh(); } catch (e) { throw tokenRejected(`oidc: fetching keys: ${(e as Error).message}`); }
      r = this.tryKeys(parsed);
      if (r.ok) return;
    }
    const why = r.error instanceof JWTError ? r.error.message : 'no matching key';
    throw tokenRejected(`oidc: failed to verify signature: ${why}`);
  }

  async authenticateToken(token: string, apiAudiences: string[]): Promise<TokenAuthResult | null> {
    let parsed: ParsedJWS;
    try { parsed = parseJWS(token); } catch { return null; }
    const c = parsed.claims;
    if (c.iss !== this.issuer) return null;

    if (!this.jwksURI) {
      if (!this.inflight && Date.now() - this.lastFetch < this.minRefetchMs) throw tokenRejected('oidc: authenticator not initialized');
      try { await this.refresh(); } catch (e) { throw tokenRejected(`oidc: authenticator not initialized: ${(e as Error).message}`); }
    }

    let auds: string[];
    try { auds = audiencesOf(c); } catch { throw tokenRejected('oidc: malformed aud claim'); }
    if (!auds.includes(this.opts.clientID)) throw tokenRejected(`oidc: expected audience ${JSON.stringify(this.opts.clientID)} got ${JSON.stringify(auds)}`);
    const now = this.now().getTime() / 1000;
    if (typeof c.exp !== 'number' || c.exp < now) throw tokenRejected('oidc: token is expired');
    if (c.nbf !== undefined && (typeof c.nbf !== 'number' || now + NBF_LEEWAY_SECONDS < c.nbf)) throw tokenRejected('oidc: current time before the nbf (not before) time');

    await this.verifySignature(parsed);
    return { user: this.userOf(c), audiences: [...apiAudiences] };
  }

  private userOf(c: Record<string, unknown>): UserInfo {
    const claim = this.usernameClaim;
    const raw = c[claim];
    if (raw === undefined) throw tokenRejected(`oidc: parse username claims "${claim}": claim not present`);
    if (typeof raw !== 'string') throw tokenRejected(`oidc: parse username claims "${claim}": not a string`);
    if (raw === '') throw tokenRejected('oidc: empty username is not allowed');
    if (claim === 'email' && c.email_verified !== undefined) {
      if (typeof c.email_verified !== 'boolean') throw tokenRejected("oidc: parse 'email_verified' claim: not a boolean");
      if (!c.email_verified) throw tokenRejected('oidc: email not verified');
    }
    const groups: string[] = [];
    if (this.opts.groupsClaim && c[this.opts.groupsClaim] !== undefined) {
      const g = c[this.opts.groupsClaim];
      // A single group may come as a string (Kubernetes' stringOrArray).
      const list = typeof g === 'string' ? [g] : Array.isArray(g) && g.every((x) => typeof x === 'string') ? (g as string[]) : null;
      if (!list) throw tokenRejected(`oidc: parse groups claim "${this.opts.groupsClaim}": not a string or list of strings`);
      groups.push(...list.map((x) => (this.opts.groupsPrefix ?? '') + x));
    }
    for (const [k, want] of Object.entries(this.opts.requiredClaims ?? {})) {
      if (!Object.hasOwn(c, k)) throw tokenRejected(`oidc: required claim ${k} not present in ID token`);
      const got = c[k];
      if (typeof got !== 'string') throw tokenRejected(`oidc: parse claim ${k}: not a string`);
      if (got !== want) throw tokenRejected(`oidc: required claim ${k} value does not match. Got = ${got}, want = ${want}`);
    }
    return withAuthenticatedGroup({ name: this.usernamePrefix + raw, groups });
  }
}
