/**
 * @module images/push
 * Pushing an image to a registry over the distribution API (OCI distribution-spec "push"):
 * every blob the registry lacks (HEAD /v2/<name>/blobs/<digest> answers 404) is uploaded with
 * POST /v2/<name>/blobs/uploads/ and a monolithic PUT <location>?digest=, then the manifest is PUT
 * by tag with its media type as Content-Type. Blobs go before the manifest because a registry
 * rejects a manifest that names blobs it does not have (MANIFEST_BLOB_UNKNOWN).
 */
import type { OciImage } from './image.js';
import { parseReference, registryBaseURL, type Reference } from './reference.js';

/** An error the registry answered with, in the distribution spec's `errors[]` form. */
export class RegistryError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); this.name = 'RegistryError'; }
}

export interface PushOptions {
  /** Override the scheme+host derived from the reference (e.g. "http://127.0.0.1:5000"). */
  baseURL?: string;
  /** Called once per blob: whether it was uploaded or already there. */
  onBlob?: (digest: string, uploaded: boolean) => void;
}

export interface PushResult { reference: string; digest: string; uploaded: number; skipped: number }

/** Push every blob and then the manifest, tagged as the reference says. Returns the manifest digest. */
export async function pushImage(image: OciImage, ref: string | Reference, opts: PushOptions = {}): Promise<PushResult> {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  const base = (opts.baseURL ?? registryBaseURL(r.registry)).replace(/\/+$/, '');
  const name = r.repository;
  let uploaded = 0, skipped = 0;
  // The config and each layer: order does not matter, the manifest goes last.
  for (const [digest, blob] of image.blobs) {
    if (await blobExists(base, name, digest)) { skipped++; opts.onBlob?.(digest, false); continue; }
    await uploadBlob(base, name, digest, blob);
    uploaded++;
    opts.onBlob?.(digest, true);
  }
  const target = r.tag ?? image.manifestDigest;
  const res = await request(`${base}/v2/${name}/manifests/${target}`, {
    method: 'PUT', headers: { 'Content-Type': image.manifest.mediaType }, body: bytes(image.manifestBytes),
  });
  if (res.status !== 201 && res.status !== 200) throw await registryError(res, `PUT manifest ${name}:${target}`);
  await res.arrayBuffer();
  const digest = res.headers.get('docker-content-digest') ?? image.manifestDigest;
  if (digest !== image.manifestDigest) throw new Error(`registry stored manifest ${name}:${target} as ${digest}, expected ${image.manifestDigest}`);
  return { reference: `${r.registry}/${name}${r.tag ? `:${r.tag}` : ''}@${digest}`, digest, uploaded, skipped };
}

async function blobExists(base: string, name: string, digest: string): Promise<boolean> {
  const res = await request(`${base}/v2/${name}/blobs/${digest}`, { method: 'HEAD' });
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await registryError(res, `HEAD blob ${digest}`);
}

async function uploadBlob(base: string, name: string, digest: string, blob: Buffer): Promise<void> {
  const start = await request(`${base}/v2/${name}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
  if (start.status !== 202) throw await registryError(start, `POST blob upload for ${name}`);
  await start.arrayBuffer();
  const location = start.headers.get('location');
  if (!location) throw new Error(`registry started an upload for ${name} without a Location header`);
  // Location may be relative or absolute and may already carry a query (e.g. the upload state).
  const url = new URL(location, base + '/');
  url.searchParams.set('digest', digest);
  const put = await request(url, {
    method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.length) }, body: bytes(blob),
  });
  if (put.status !== 201) throw await registryError(put, `PUT blob ${digest}`);
  await put.arrayBuffer();
}

async function registryError(res: Response, what: string): Promise<RegistryError> {
  const text = await res.text().catch(() => '');
  let code = 'UNKNOWN', message = text.trim() || res.statusText;
  try {
    const e = JSON.parse(text)?.errors?.[0];
    if (e) { code = e.code ?? code; message = `${e.code}: ${e.message}${e.detail ? ` (${typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)})` : ''}`; }
  } catch { /* not JSON: keep the body */ }
  return new RegistryError(res.status, code, `${what}: ${res.status} ${message}`);
}

/** fetch's body typing wants a Uint8Array over a plain ArrayBuffer, not a Buffer (a copy; blobs are small). */
function bytes(b: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b);
}

/** fetch, with the network cause in the message ("fetch failed" alone does not say which host or why). */
async function request(url: string | URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${init.method ?? 'GET'} ${url}: ${cause?.message ?? cause?.code ?? (e as Error).message}`);
  }
}
