/**
 * @module cli/image
 * `skiff image`: build, import and push OCI images with no internet and no Docker, so a cluster
 * can pull its pause and workload images from a local registry.
 *
 *   skiff image build DIR -t REF [--entrypoint ...] [--cmd ...] [--env K=V] [--workdir D] [--port N] [--user U] [--output OCI_DIR] [--push]
 *   skiff image build -f RECIPE.yaml -t REF [same overrides] [--output OCI_DIR] [--push]
 *   skiff image push OCI_DIR REF [--name REF_NAME]
 *   skiff image import FILE|DIR -t REF [--name NAME] [--output OCI_DIR] [--push]
 */
import { parseArgs } from 'node:util';
import { buildFromDirectory, buildFromRecipeFile } from '../images/build.js';
import type { ImageSettings, OciImage } from '../images/image.js';
import { importImage } from '../images/import.js';
import { directorySource, readLayout, writeLayout } from '../images/layout.js';
import { pushImage } from '../images/push.js';
import { formatReference, parseReference } from '../images/reference.js';

const USAGE = `Usage:
  skiff image build DIR -t REF [--entrypoint CMD] [--cmd CMD] [--env K=V]... [--workdir D] [--port N]... [--user U] [--output OCI_DIR] [--push]
  skiff image build -f RECIPE.yaml -t REF [overrides as above] [--output OCI_DIR] [--push]
  skiff image push OCI_DIR REF [--name REF_NAME]
  skiff image import FILE|DIR -t REF [--name NAME] [--output OCI_DIR] [--push]

CMD is a JSON array ('["httpd","-f"]') or words split on spaces. Registries on loopback are
spoken to over http, all others over https.
`;

export async function imageCommand(argv: string[]): Promise<number | void> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'build': return await build(rest);
      case 'push': return await push(rest);
      case 'import': return await importCmd(rest);
      case undefined: case '-h': case '--help': case 'help': process.stdout.write(USAGE); return 0;
      default: process.stderr.write(`skiff image: unknown command "${sub}"\n\n${USAGE}`); return 2;
    }
  } catch (e) {
    process.stderr.write(`skiff image ${sub}: ${(e as Error).message}\n`);
    return 1;
  }
}

const SETTINGS_OPTIONS = {
  entrypoint: { type: 'string' }, cmd: { type: 'string' }, env: { type: 'string', multiple: true },
  workdir: { type: 'string' }, port: { type: 'string', multiple: true }, user: { type: 'string' },
} as const;
const OUTPUT_OPTIONS = { tag: { type: 'string', short: 't' }, output: { type: 'string', short: 'o' }, push: { type: 'boolean' } } as const;

async function build(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { file: { type: 'string', short: 'f' }, ...SETTINGS_OPTIONS, ...OUTPUT_OPTIONS } });
  if (!values.tag) return usageError('build', '-t REF is required');
  if (!values.file && positionals.length !== 1) return usageError('build', 'give a directory or -f RECIPE');
  const settings: ImageSettings = {
    entrypoint: values.entrypoint === undefined ? undefined : commandList(values.entrypoint),
    cmd: values.cmd === undefined ? undefined : commandList(values.cmd),
    env: values.env, workingDir: values.workdir, ports: values.port, user: values.user,
  };
  const image = values.file ? await buildFromRecipeFile(values.file, settings) : await buildFromDirectory(positionals[0], settings);
  return deliver('build', image, values.tag, values.output, values.push);
}

async function push(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' } } });
  if (positionals.length !== 2) return usageError('push', 'want OCI_DIR REF');
  const image = await readLayout(directorySource(positionals[0]), values.name);
  return deliver('push', image, positionals[1], undefined, true);
}

async function importCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' }, ...OUTPUT_OPTIONS } });
  if (positionals.length !== 1) return usageError('import', 'want FILE or DIR');
  if (!values.tag) return usageError('import', '-t REF is required');
  return deliver('import', await importImage(positionals[0], values.name), values.tag, values.output, values.push);
}

/** Write the layout and/or push; at least one of them, or the build would be thrown away. */
async function deliver(sub: string, image: OciImage, ref: string, output: string | undefined, doPush: boolean | undefined): Promise<number> {
  const r = parseReference(ref);
  if (!output && !doPush) return usageError(sub, 'nothing to do: give --output OCI_DIR and/or --push');
  if (output) {
    await writeLayout(output, image, r.tag ?? 'latest');
    process.stdout.write(`wrote ${formatReference(r)} to ${output} (${image.manifestDigest})\n`);
  }
  if (doPush) {
    const res = await pushImage(image, r, { onBlob: (d, up) => process.stderr.write(`${up ? 'pushed' : 'exists'} ${d}\n`) });
    process.stdout.write(`${res.reference}\n`);
  }
  return 0;
}

/** `["a","b"]` as JSON, else words split on whitespace (like `docker run --entrypoint`). */
function commandList(s: string): string[] {
  if (s.trim().startsWith('[')) {
    const v = JSON.parse(s);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`invalid command ${s}: want a JSON array of strings`);
    return v;
  }
  return s.split(/\s+/).filter(Boolean);
}

function usageError(sub: string, msg: string): number {
  process.stderr.write(`skiff image ${sub}: ${msg}\n\n${USAGE}`);
  return 2;
}
