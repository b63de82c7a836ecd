/**
 * @module apiserver/authentication/jwt
 * Compact JWS tokens (RFC 7515/7519) as ServiceAccount and OIDC tokens use them: parsing with strict
 * base64url, signature checks with node:crypto for RS/PS/ES algorithms, and signing for the tokens
 * this server issues. Only asymmetric algorithms are accepted: `none` and HMAC would let anyone who
 * knows a public key mint tokens, and the header's `alg` must fit the key it is checked against.
 */
import { createPublicKey, sign, verify, constants, KeyObject, type JsonWebKey } from 'node:crypto';

/** Tokens longer than this are refused before any decoding. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export class JWTError extends Error {
  constructor(message: string) { super(message); this.name = 'JWTError'; }
}

export type JWSAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

interface AlgSpec { hash: string; family: 'rsa' | 'pss' | 'ec'; curve?: string; sigBytes?: number }

const ALGORITHMS: Record<JWSAlgorithm, AlgSpec> = {
  RS256: { hash: 'sha256', family: 'rsa' }, RS384: { hash: 'sha384', family: 'rsa' }, RS512: { hash: 'sha512', family: 'rsa' },
  PS256: { hash: 'sha256', family: 'pss' }, PS384: { hash: 'sha384', family: 'pss' }, PS512: { hash: 'sha512', family: 'pss' },
  ES256: { hash: 'sha256', family: 'ec', curve: 'prime256v1', sigBytes: 64 },
  ES384: { hash: 'sha384', family: 'ec', curve: 'secp384r1', sigBytes: 96 },
  ES512: { hash: 'sha512', family: 'ec', curve: 'secp521r1', sigBytes: 132 },
};

export const SUPPORTED_ALGORITHMS = Object.keys(ALGORITHMS) as JWSAlgorithm[];

export interface JWSHeader { alg: string; kid?: string; typ?: string; [k: string]: unknown }

export interface ParsedJWS {
  header: JWSHeader;
  claims: Record<string, unknown>;
  /** `header.payload` exactly as received: what the signature covers. */
  signingInput: string;
  signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodePart(part: string, what: string): Buffer {
  // Node's decoder skips junk silently; a token with padding, '+' or '/' is not compact JWS.
  if (!BASE64URL.test(part) || part.length % 4 === 1) throw new JWTError(`malformed JWS ${what}`);
  return Buffer.from(part, 'base64url');
}

function decodeJSONObject(part: string, what: string): Record<string, unknown> {
  let v: unknown;
  try { v = JSON.parse(decodePart(part, what).toString('utf8')); } catch (e) {
    if (e instanceof JWTError) throw e;
    throw new JWTError(`malformed JWS ${what}: not JSON`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new JWTError(`malformed JWS ${what}: not a JSON object`);
  return v as Record<string, unknown>;
}

/** Splits and decodes a compact JWS without checking its signature. */
export function parseJWS(token: string): ParsedJWS {
  if (typeof token !== 'string' || token.length === 0) throw new JWTError('empty token');
  if (token.length > MAX_TOKEN_LENGTH) throw new JWTError('token too large');
  const parts = token.split('.');
  if (parts.length !== 3) throw new JWTError('compact JWS format must have three parts');
  const header = decodeJSONObject(parts[0], 'header');
  if (typeof header.alg !== 'string') throw new JWTError('malformed JWS header: missing alg');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new JWTError('malformed JWS header: kid is not a string');
  // No extension is understood here, so a critical one must fail (RFC 7515 section 4.1.11).
  if (header.crit !== undefined) throw new JWTError('unsupported critical header parameters');
  const claims = decodeJSONObject(parts[1], 'payload');
  const signature = decodePart(parts[2], 'signature');
  return { header: header as JWSHeader, claims, signingInput: `${parts[0]}.${parts[1]}`, signature };
}

/** The payload of a well-formed token, unverified: only for routing it to the right authenticator. */
export function unverifiedClaims(token: string): Record<string, unknown> | null {
  try { return parseJWS(token).claims; } catch { return null; }
}

export type VerificationKey = KeyObject | JsonWebKey;

function publicKeyOf(key: VerificationKey): KeyObject {
  if (key instanceof KeyObject) {
    if (key.type === 'secret') throw new JWTError('symmetric keys are not accepted');
    return key.type === 'private' ? createPublicKey(key) : key;
  }
  if (key.kty !== 'RSA' && key.kty !== 'EC') throw new JWTError(`unsupported JWK key type "${String(key.kty)}"`);
  try {
    // Only the public members: a JWK that also carries `d` must not become a private key here.
    const pub: JsonWebKey = key.kty === 'RSA' ? { kty: 'RSA', n: key.n, e: key.e } : { kty: 'EC', crv: key.crv, x: key.x, y: key.y };
    return createPublicKey({ key: pub, format: 'jwk' });
  } catch (e) {
    throw new JWTError(`invalid JWK: ${(e as Error).message}`);
  }
}

/** Whether `alg` can be used with this key: RSA algorithms need an RSA key, ESxxx the matching curve. */
export function algorithmFitsKey(alg: string, key: KeyObject): boolean {
  if (!Object.hasOwn(ALGORITHMS, alg)) return false;
  const spec = ALGORITHMS[alg as JWSAlgorithm];
  const type = key.asymmetricKeyType;
  if (spec.family === 'rsa') return type === 'rsa';
  if (spec.family === 'pss') return type === 'rsa' || type === 'rsa-pss';
  return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === spec.curve;
}

/**
 * Checks the signature of a parsed token against one key; throws JWTError when it does not hold.
 * `allowedAlgorithms` narrows what is accepted (OIDC's --oidc-signing-algs).
 */
export function verifyJWS(parsed: ParsedJWS, key: VerificationKey, allowedAlgorithms: readonly string[] = SUPPORTED_ALGORITHMS): void {
  const alg = parsed.header.alg;
  if (!Object.hasOwn(ALGORITHMS, alg) || !allowedAlgorithms.includes(alg)) throw new JWTError(`unsupported signing algorithm "${alg}"`);
  if (!(key instanceof KeyObject)) {
    if (key.alg !== undefined && key.alg !== alg) throw new JWTError(`JWK is for algorithm "${key.alg}", token uses "${alg}"`);
    if (key.use !== undefined && key.use !== 'sig') throw new JWTError('JWK is not a signing key');
  }
  const pub = publicKeyOf(key);
  if (!algorithmFitsKey(alg, pub)) throw new JWTError(`signing algorithm "${alg}" does not match the key`);
  const spec = ALGORITHMS[alg as JWSAlgorithm];
  if (spec.sigBytes !== undefined && parsed.signature.length !== spec.sigBytes) throw new JWTError('invalid signature');
  let ok = false;
  try {
    ok = verify(spec.hash, Buffer.from(parsed.signingInput), {
      key: pub,
      ...(spec.family === 'pss' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : {}),
      ...(spec.family === 'ec' ? { dsaEncoding: 'ieee-p1363' as const } : {}),
    }, parsed.signature);
  } catch { ok = false; }
  if (!ok) throw new JWTError('invalid signature');
}

/** Parses and verifies a token against any of `keys` (those with a matching kid first). Returns the parsed token. */
export function verifyJWT(token: string, keys: VerificationKey | VerificationKey[], allowedAlgorithms?: readonly string[]): ParsedJWS {
  const parsed = parseJWS(token);
  const list = Array.isArray(keys) ? keys : [keys];
  if (list.length === 0) throw new JWTError('no keys to verify the token with');
  let lastError: unknown;
  for (const k of list) {
    try { verifyJWS(parsed, k, allowedAlgorithms); return parsed; } catch (e) { lastError = e; }
  }
  throw lastError;
}

/** The JWS algorithm this server signs with for a key: RS256 for RSA, ES256/ES384/ES512 for EC. */
export function signingAlgorithmFor(key: KeyObject): JWSAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new JWTError(`unsupported signing key type "${String(key.asymmetricKeyType)}"`);
}

/** A signed compact JWS: header `{"alg":...,"kid":...}` (as Kubernetes issues them), payload `claims`. */
export function signJWT(claims: Record<string, unknown>, privateKey: KeyObject, kid?: string): string {
  if (privateKey.type !== 'private') throw new JWTError('signing needs a private key');
  const alg = signingAlgorithmFor(privateKey);
  const header: JWSHeader = kid ? { alg, kid } : { alg };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const spec = ALGORITHMS[alg];
  const sig = sign(spec.hash, Buffer.from(input), { key: privateKey, ...(spec.family === 'ec' ? { dsaEncoding: 'ieee-p1363' as const } : {}) });
  return `${input}.${sig.toString('base64url')}`;
}

/** Kubernetes' (go-jose's) default clock skew allowance for exp, nbf and iat. */
export const DEFAULT_LEEWAY_SECONDS = 60;

export type TimeProblem = 'expired' | 'not yet valid' | 'issued in the future';

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new JWTError(`malformed ${name} claim`);
  return v;
}

/** What is wrong with a token's exp/nbf/iat at `nowSeconds`, or null (jwt.Claims.ValidateWithLeeway). */
export function checkTimes(claims: Record<string, unknown>, nowSeconds: number, leewaySeconds = DEFAULT_LEEWAY_SECONDS): TimeProblem | null {
  const exp = numericDate(claims, 'exp'), nbf = numericDate(claims, 'nbf'), iat = numericDate(claims, 'iat');
  if (exp !== undefined && nowSeconds - leewaySeconds > exp) return 'expired';
  if (nbf !== undefined && nowSeconds + leewaySeconds < nbf) return 'not yet valid';
  if (iat !== undefined && nowSeconds + leewaySeconds < iat) return 'issued in the future';
  return null;
}

/** The `aud` claim as a list: RFC 7519 allows a single string or an array of them. */
export function audiencesOf(claims: Record<string, unknown>): string[] {
  const aud = claims.aud;
  if (aud === undefined || aud === null) return [];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud as string[];
  throw new JWTError('malformed aud claim');
}
