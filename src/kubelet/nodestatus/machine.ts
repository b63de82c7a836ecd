/**
 * @module kubelet/nodestatus/machine
 * What the node is made of, read from the host as cAdvisor would for the kubelet: CPU count,
 * memory, the filesystem under the kubelet's root dir, machine and boot ids, kernel and OS image.
 * Read once at start (and re-read cheaply): none of it changes while the kubelet runs.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, totalmem, release, arch } from 'node:os';

export interface MachineInfo {
  numCores: number;
  memoryBytes: number;
  /** Capacity of the filesystem holding the kubelet root dir. */
  fsBytes: number;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  architecture: string;
}

const readTrim = (p: string): string => { try { return readFileSync(p, 'utf8').trim(); } catch { return ''; } };

function osImage(): string {
  const text = readTrim('/etc/os-release');
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
  return m?.[1] ?? 'Linux';
}

const goArch = (a: string): string => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[a] ?? a;

export function readMachineInfo(rootDir: string): MachineInfo {
  let fsBytes = 0;
  try { const s = statfsSync(rootDir); fsBytes = s.blocks * s.bsize; } catch { /* root dir not there yet: report 0 */ }
  return {
    numCores: cpus().length || 1,
    memoryBytes: totalmem(),
    fsBytes,
    machineID: readTrim('/etc/machine-id') || readTrim('/var/lib/dbus/machine-id'),
    systemUUID: readTrim('/sys/class/dmi/id/product_uuid'),
    bootID: readTrim('/proc/sys/kernel/random/boot_id'),
    kernelVersion: release(),
    osImage: osImage(),
    architecture: goArch(arch()),
  };
}
