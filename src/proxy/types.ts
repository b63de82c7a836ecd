/**
 * @module proxy/types
 * What kube-proxy knows about the cluster, reduced to what a node must program: each Service port
 * (its ClusterIP, NodePort, external addresses and traffic policies) and the endpoints behind it
 * (from EndpointSlices, with their ready/serving/terminating conditions). Every mode (iptables,
 * nftables) is a Proxier that turns one such snapshot into the node's rules; the ProxyServer builds
 * the snapshot from informers and decides when to sync (Kubernetes' ServiceChangeTracker and
 * EndpointsChangeTracker, merged into one immutable view per sync).
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One port of one Service: the unit kube-proxy programs (a KUBE-SVC-* chain in iptables mode). */
export interface ServicePortInfo {
  /** `namespace/name:portName` (portName may be empty: `default/web:`), Kubernetes' ServicePortName. */
  id: string;
  namespace: string;
  name: string;
  portName: string;
  protocol: Protocol;
  /** The ClusterIP (absent for headless and ExternalName Services, which kube-proxy ignores). */
  clusterIP: string;
  port: number;
  /** 0 when the Service has no NodePort on this port. */
  nodePort: number;
  externalIPs: string[];
  /** status.loadBalancer.ingress[].ip */
  loadBalancerIPs: string[];
  /** spec.loadBalancerSourceRanges (empty: any source). */
  loadBalancerSourceRanges: string[];
  /** ClientIP affinity timeout in seconds, or 0 for no affinity. */
  sessionAffinitySeconds: number;
  /** internalTrafficPolicy Local: ClusterIP traffic goes only to endpoints on this node. */
  internalLocal: boolean;
  /** externalTrafficPolicy Local: NodePort/external/LB traffic only to local endpoints, client IP kept. */
  externalLocal: boolean;
  /** spec.healthCheckNodePort (LoadBalancer + externalTrafficPolicy Local), else 0. */
  healthCheckNodePort: number;
}

/** One endpoint address for one Service port. */
export interface EndpointInfo {
  ip: string;
  port: number;
  /** conditions.ready (unset counts as ready, as in the API). */
  ready: boolean;
  /** conditions.serving (unset: same as ready). */
  serving: boolean;
  /** conditions.terminating (unset: false). */
  terminating: boolean;
  /** The endpoint's nodeName, if any. */
  nodeName?: string;
  /** Is this endpoint on the node this kube-proxy runs on? */
  isLocal: boolean;
}

/** Everything a sync needs: the full desired state. Proxiers must not mutate it. */
export interface ProxyState {
  /** This node's name and its addresses (NodePorts listen on these; LoadBalancer/external IPs too). */
  nodeName: string;
  nodeIPs: string[];
  /** The cluster's pod CIDR (e.g. 10.244.0.0/16): traffic from outside it to a ClusterIP is masqueraded. */
  clusterCIDR: string;
  /** Service ports by id. */
  services: Map<string, ServicePortInfo>;
  /** Endpoints by service port id (a port with no entry or an empty list has no endpoints). */
  endpoints: Map<string, EndpointInfo[]>;
}

export interface SyncResult {
  /** Service ports whose rules were written in this sync (all of them for a full sync). */
  changed: number;
  /** Whether every rule was rewritten (first sync, or the periodic full resync) or only what changed. */
  full: boolean;
  /** Lines/statements handed to iptables-restore or nft. */
  lines: number;
  durationMs: number;
}

/** A kube-proxy mode. One Proxier per node; it owns its chains/table and nothing else. */
export interface Proxier {
  readonly mode: 'iptables' | 'nftables';
  /**
   * Make the node's rules match `state`. `changedIds` lists the service port ids that changed since
   * the last successful sync (`undefined` means: rewrite everything). Throws on failure, leaving the
   * previous rules in place (the kernel applies a restore file/nft script atomically).
   */
  sync(state: ProxyState, changedIds?: Set<string>): Promise<SyncResult>;
  /** The rules programmed for one Service (all its ports), in the mode's own text, for `skiff proxy rules`. */
  rulesFor(namespace: string, name: string): Promise<string>;
  /** Remove every chain/table this proxier made (kube-proxy --cleanup). */
  cleanup(): Promise<void>;
}

/** Which endpoints a Service port's traffic may use, as Kubernetes' topology filtering decides. */
export interface EndpointSelection {
  /** For ClusterIP traffic (all ready endpoints, or local ones under internalTrafficPolicy Local). */
  cluster: EndpointInfo[];
  /** For NodePort/external/LB traffic under externalTrafficPolicy Local: local ones. */
  local: EndpointInfo[];
}
