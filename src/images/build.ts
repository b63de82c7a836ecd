/**
 * @module images/build
 * `skiff image build`: an image from a directory (one layer, like `FROM scratch` + `COPY . /`) or
 * from a recipe. A recipe is the small YAML subset of a Dockerfile skiff needs:
 *
 * ```yaml
 * from: busybox          # or scratch
 * applets: [sh, sleep]   # optional: only these busybox applets get /bin symlinks
 * files:
 *   - { src: site/, dest: /www }               # a file or directory, relative to the recipe
 *   - { content: "ok", dest: /www/health, mode: 0644 }
 * entrypoint: [...]
 * cmd: [...]
 * env: { KEY: value }    # or ["KEY=value"]
 * workdir: /www
 * ports: [8000, "53/udp"]
 * user: "65534"
 * ```
 *
 * The busybox base is its own layer, so every busybox image shares that blob in a registry.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve, posix } from 'node:path';
import { parse as parseYAML } from 'yaml';
import { assembleImage, type ImageSettings, type OciImage } from './image.js';
import { buildLayer, type Layer } from './layer.js';
import { busyboxEntries, entriesFromDirectory, parentDirs } from './rootfs.js';
import type { TarEntry } from './tar.js';

/** One `files:` item: copy `src` (relative to the recipe) or write `content`, at `dest`. */
export interface RecipeFile { src?: string; content?: string; dest: string; mode?: number | string }

export interface Recipe {
  from: 'busybox' | 'scratch';
  applets?: string[];
  files?: RecipeFile[];
  entrypoint?: string[];
  cmd?: string[];
  env?: Record<string, string> | string[];
  workdir?: string;
  ports?: Array<number | string>;
  user?: string | number;
  labels?: Record<string, string>;
}

/** Build from a directory: its whole tree is one layer at "/". */
export async function buildFromDirectory(dir: string, settings: ImageSettings = {}): Promise<OciImage> {
  const layer = buildLayer(await entriesFromDirectory(dir));
  return assembleImage([layer], { createdBy: `COPY ${dir} /`, ...settings });
}

/** Read, check and build a recipe file; `src` paths resolve against the recipe's directory. */
export async function buildFromRecipeFile(file: string, overrides: ImageSettings = {}): Promise<OciImage> {
  const doc = parseYAML(await readFile(file, 'utf8'));
  return buildFromRecipe(validateRecipe(doc, file), dirname(resolve(file)), overrides);
}

/** Build a parsed recipe; `contextDir` is where relative `src` paths point. */
export async function buildFromRecipe(r: Recipe, contextDir: string, overrides: ImageSettings = {}): Promise<OciImage> {
  const layers: Layer[] = [];
  if (r.from === 'busybox') layers.push(buildLayer(busyboxEntries({ applets: r.applets })));
  const files: TarEntry[] = [];
  for (const f of r.files ?? []) files.push(...(await fileEntries(f, contextDir)));
  if (files.length) layers.push(buildLayer(dedupe(files)));
  if (!layers.length) throw new Error('recipe builds an empty image: "from: scratch" needs files');
  const env = Array.isArray(r.env) ? r.env : Object.entries(r.env ?? {}).map(([k, v]) => `${k}=${v}`);
  return assembleImage(layers, {
    entrypoint: r.entrypoint, cmd: r.cmd, env, workingDir: r.workdir, user: r.user === undefined ? undefined : String(r.user),
    ports: r.ports?.map(String), labels: r.labels, createdBy: `skiff image build (from ${r.from})`, ...stripUndefined(overrides),
  });
}

async function fileEntries(f: RecipeFile, contextDir: string): Promise<TarEntry[]> {
  const dest = posix.normalize('/' + f.dest).replace(/^\/+/, '');
  const mode = f.mode === undefined ? undefined : typeof f.mode === 'number' ? f.mode : parseInt(f.mode, 8);
  if (f.content !== undefined) return [...parentDirs(dest), { path: dest, type: 'file', mode: mode ?? 0o644, data: Buffer.from(f.content) }];
  const src = resolve(contextDir, f.src!);
  const st = await stat(src);
  if (st.isDirectory()) return entriesFromDirectory(src, { dest });
  return [...parentDirs(dest), { path: dest, type: 'file', mode: mode ?? (st.mode & 0o7777), data: await readFile(src) }];
}

/** Later items win, as a later COPY overwrites an earlier one; parent dirs appear once. */
function dedupe(entries: TarEntry[]): TarEntry[] {
  const m = new Map<string, TarEntry>();
  for (const e of entries) {
    const prev = m.get(e.path);
    if (prev && prev.type === 'dir' && e.type === 'dir') continue;
    m.set(e.path, e);
  }
  return [...m.values()];
}

/** Check a parsed recipe and say precisely what is wrong, as a field path. */
export function validateRecipe(doc: any, where = 'recipe'): Recipe {
  const bad = (field: string, msg: string) => new Error(`${where}: ${field}: ${msg}`);
  if (!doc || typeof doc !== 'object') throw bad('(root)', 'must be a mapping');
  const known = new Set(['from', 'applets', 'files', 'entrypoint', 'cmd', 'env', 'workdir', 'ports', 'user', 'labels']);
  for (const k of Object.keys(doc)) if (!known.has(k)) throw bad(k, 'unknown field');
  if (doc.from !== 'busybox' && doc.from !== 'scratch') throw bad('from', `Unsupported value: "${doc.from}": supported values: "busybox", "scratch"`);
  const strList = (k: string) => { if (doc[k] !== undefined && !(Array.isArray(doc[k]) && doc[k].every((s: unknown) => typeof s === 'string'))) throw bad(k, 'must be a list of strings'); };
  strList('applets'); strList('entrypoint'); strList('cmd');
  if (doc.files !== undefined) {
    if (!Array.isArray(doc.files)) throw bad('files', 'must be a list');
    doc.files.forEach((f: any, i: number) => {
      if (!f || typeof f.dest !== 'string') throw bad(`files[${i}].dest`, 'Required value');
      if ((f.src === undefined) === (f.content === undefined)) throw bad(`files[${i}]`, 'exactly one of src or content is required');
    });
  }
  if (doc.env !== undefined && typeof doc.env !== 'object') throw bad('env', 'must be a mapping or a list of KEY=value');
  if (doc.ports !== undefined && !Array.isArray(doc.ports)) throw bad('ports', 'must be a list');
  return doc as Recipe;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
