/**
 * @module kubelet/cri/remote/proto
 * Loads CRI v1's protobuf definition (`api.proto`, beside this file in the source tree) into gRPC
 * client constructors. The .proto stays a source file: the compiled module resolves it from
 * `dist/...` back to `src/...`, so no build step has to copy it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Where api.proto is: next to this module when run from source, else in the repo's src/ tree. */
export function criProtoPath(): string {
  const candidates = [
    new URL('./api.proto', import.meta.url),
    // dist/src/kubelet/cri/remote/proto.js -> <repo>/src/kubelet/cri/remote/api.proto
    new URL('../../../../../src/kubelet/cri/remote/api.proto', import.meta.url),
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`CRI api.proto not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The two service constructors of package runtime.v1. */
export interface CriServices {
  RuntimeService: grpc.ServiceClientConstructor;
  ImageService: grpc.ServiceClientConstructor;
}

let cached: CriServices | undefined;

/**
 * Load once per process: camelCase field names as api.ts spells them, int64 as Number (times are
 * converted to ms at once; sizes fit in 2^53), enums as their names, and defaults filled in so a
 * response never lacks a map or list.
 */
export function loadCriServices(): CriServices {
  if (cached) return cached;
  const def = protoLoader.loadSync(criProtoPath(), { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: CriServices } };
  cached = { RuntimeService: pkg.runtime.v1.RuntimeService, ImageService: pkg.runtime.v1.ImageService };
  return cached;
}
