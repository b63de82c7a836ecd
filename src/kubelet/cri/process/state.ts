/**
 * @module kubelet/cri/process/state
 * The process runtime's records and their JSON checkpoint. Containers are host processes that
 * outlive the agent, so what the agent knows about them (ids, configs, PIDs, exit codes, log
 * offsets) is written to `<stateDir>/state.json` after every change, atomically (write then rename),
 * and read back by the next agent to find the processes it started.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerConfig, ContainerState, Image, PodSandboxConfig, PodSandboxState } from '../api.js';
import type { LogOffsets } from './cri-log.js';

export interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  state: PodSandboxState;
  createdAtMs: number;
  runtimeHandler?: string;
}

export interface ContainerRecord {
  id: string;
  podSandboxId: string;
  config: ContainerConfig;
  imageRef: string;
  state: ContainerState;
  createdAtMs: number;
  startedAtMs: number;
  finishedAtMs: number;
  exitCode: number;
  reason: string;
  message: string;
  /** Absolute CRI log path ('' when the config has no logPath). */
  logPath: string;
  /** The container's directory: raw output, exit code file, `root/` for mounts. */
  dir: string;
  /** What runs: resolved from the config and the image table at create. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** The shim's PID, which is also the process group id. */
  pid?: number;
  pidStartTicks?: number;
  offsets: LogOffsets;
}

export interface ProcessRuntimeState { version: 1; images: Image[]; sandboxes: SandboxRecord[]; containers: ContainerRecord[] }

/** Loads and saves the checkpoint; saves are serialized so the file always holds a whole state. */
export class StateFile {
  private readonly path: string;
  private chain: Promise<void> = Promise.resolve();
  private pending = false;

  constructor(stateDir: string) { this.path = join(stateDir, 'state.json'); }

  load(): ProcessRuntimeState {
    try {
      const s = JSON.parse(readFileSync(this.path, 'utf8')) as ProcessRuntimeState;
      if (s.version === 1) return s;
    } catch { /* first start, or unreadable: start empty */ }
    return { version: 1, images: [], sandboxes: [], containers: [] };
  }

  /** Save the state `snapshot()` returns when the write happens; concurrent calls coalesce. */
  save(snapshot: () => ProcessRuntimeState): Promise<void> {
    if (this.pending) return this.chain;
    this.pending = true;
    this.chain = this.chain.catch(() => undefined).then(async () => {
      this.pending = false;
      const tmp = `${this.path}.tmp`;
      // Owner-only: container configs carry env values, which may come from Secrets.
      await writeFile(tmp, JSON.stringify(snapshot()), { mode: 0o600 });
      await rename(tmp, this.path);
    });
    return this.chain;
  }
}
