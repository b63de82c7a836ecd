/**
 * @module apiserver/authorization/node/authorizer
 * Kubernetes' Node authorizer for kubelets (users `system:node:<name>` in group `system:nodes`):
 * Secrets, ConfigMaps, PVCs, PVs and ServiceAccount tokens only when a pod bound to that node
 * references them; its own Lease in kube-node-lease and its own CSINode; its own Node (others
 * read-only); status and deletion of its own pods; and for everything else the static rules of
 * the system:node role. Anything else is NoOpinion, never Deny, so RBAC may still grant it (the
 * NodeRestriction admission plugin limits what the allowed writes may contain). The pod graph is
 * rebuilt lazily after pods change; a decision that depends on it waits while a rebuild is pending,
 * so access follows a pod's binding and deletion at once.
 */
import type { Authorizer, Decision } from '../../authz.js';
import type { UserInfo } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { RequestInfo } from '../../request-info.js';
import { nodeRules } from '../rbac/bootstrap-policy.js';
import { rulesAllow } from '../rbac/rule.js';
import type { Attributes, PolicyRule } from '../rbac/types.js';
import { NodeGraph, type VertexType } from './graph.js';

const NODE_USER_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** NodeIdentity: the node name of a node user, or undefined when the user is not a node. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user?.name?.startsWith(NODE_USER_PREFIX)) return undefined;
  if (!(user.groups ?? []).includes(NODES_GROUP)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}

export interface NodeDecision { decision: Decision; reason: string }
const allow: NodeDecision = { decision: 'Allow', reason: '' };
const noOpinion = (reason: string): NodeDecision => ({ decision: 'NoOpinion', reason });

export class NodeAuthorizer implements Authorizer {
  private graph = new NodeGraph([]);
  /** Set by a decision that looked at the graph. */
  private usedGraph = false;
  private dirty = true;
  private refreshing: Promise<void> | undefined;
  private unsubscribe: (() => void)[] = [];
  private readonly staticRules: PolicyRule[] = nodeRules();

  constructor(private readonly client: LoopbackClient) {}

  /** Build the graph and follow pod and PVC changes. */
  async start(): Promise<void> {
    const mark = () => { this.dirty = true; };
    this.unsubscribe.push(this.client.onChange('', 'pods', mark));
    try { this.unsubscribe.push(this.client.onChange('', 'persistentvolumeclaims', mark)); } catch { /* no PVCs served */ }
    await this.refresh();
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Rebuild the graph from the caches (one rebuild at a time; changes during it dirty it again). */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      try {
        while (this.dirty) {
          this.dirty = false;
          try {
            const pods = await this.client.list('', 'pods');
            let pvcs: any[] = [];
            try { pvcs = await this.client.list('', 'persistentvolumeclaims'); } catch { /* no PVCs served */ }
            this.graph = new NodeGraph(pods, pvcs);
          } catch { this.dirty = true; break; }
        }
      } finally { this.refreshing = undefined; }
    })();
    return this.refreshing;
  }

  authorize(user: UserInfo, ri: RequestInfo): Decision | Promise<Decision> {
    const node = nodeIdentity(user);
    if (node === undefined) return 'NoOpinion';
    if (this.dirty) void this.refresh();
    this.usedGraph = false;
    const d = this.decide(node, user, ri).decision;
    // Static rules need no graph; an answer from a graph that is being rebuilt waits for the new one.
    if (!this.usedGraph || !this.refreshing) return d;
    return this.refreshing.then(() => this.decide(node, user, ri).decision);
  }

  /** The decision and the reason Kubernetes gives (for SubjectAccessReview status.reason). */
  authorizeWithReason(user: UserInfo, attrs: Attributes): NodeDecision {
    const node = nodeIdentity(user);
    if (node === undefined) return noOpinion('');
    return this.decide(node, user, attrs);
  }

  /** Authorizer.reason: what a SubjectAccessReview reports after a decision. */
  reason(user: UserInfo, ri: RequestInfo): string {
    return this.authorizeWithReason(user, ri).reason;
  }

  /** A node's permissions are not enumerable: SelfSubjectRulesReview reports them as incomplete. */
  rulesFor(user: UserInfo): { incomplete: boolean; evaluationError?: string } {
    return nodeIdentity(user) !== undefined ? { incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' } : { incomplete: false };
  }

  private decide(node: string, user: UserInfo, a: Attributes): NodeDecision {
    if (!node) return noOpinion(`unknown node for user ${JSON.stringify(user.name)}`);
    if (a.isResourceRequest) {
      const gr = `${a.resource}.${a.apiGroup}`;
      switch (gr) {
        case 'secrets.': return this.readNamespaced(node, 'secret', a);
        case 'configmaps.': return this.readNamespaced(node, 'configmap', a);
        case 'persistentvolumeclaims.':
          if (a.subresource === 'status') return this.statusUpdate(node, 'pvc', a);
          return this.get(node, 'pvc', a);
        case 'persistentvolumes.': return this.get(node, 'pv', a);
        case 'serviceaccounts.': return this.createToken(node, a);
        case 'leases.coordination.k8s.io': return this.lease(node, a);
        case 'csinodes.storage.k8s.io': return this.csiNode(node, a);
        case 'volumeattachments.storage.k8s.io': return noOpinion(`no relationship found between node '${node}' and this object`);
        case 'nodes.': return this.nodeObject(node, a);
        case 'pods.': return this.pod(node, a);
      }
    }
    return rulesAllow(a, this.staticRules) ? allow : noOpinion('');
  }

  private related(node: string, type: VertexType, a: Attributes): NodeDecision {
    if (!a.name) return noOpinion('No Object name found');
    this.usedGraph = true;
    return this.graph.hasPath(node, type, a.namespace, a.name) ? allow : noOpinion(`no relationship found between node '${node}' and this object`);
  }

  private readNamespaced(node: string, type: VertexType, a: Attributes): NodeDecision {
    if (a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch') return noOpinion('can only read resources of this type');
    if (a.subresource) return noOpinion('cannot read subresource');
    if (!a.namespace) return noOpinion('can only read namespaced object of this type');
    return this.related(node, type, a);
  }

  private get(node: string, type: VertexType, a: Attributes): NodeDecision {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource) return noOpinion('cannot get subresource');
    return this.related(node, type, a);
  }

  private statusUpdate(node: string, type: VertexType, a: Attributes): NodeDecision {
    if (a.verb !== 'get' && a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get/update/patch this type');
    if (a.subresource !== 'status') return noOpinion('can only update status subresource');
    return this.related(node, type, a);
  }

  private createToken(node: string, a: Attributes): NodeDecision {
    if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
    return this.related(node, 'serviceaccount', a);
  }

  private lease(node: string, a: Attributes): NodeDecision {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`);
    // A create carries no name in its URL; NodeRestriction checks the body.
    if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
    return allow;
  }

  private csiNode(node: string, a: Attributes): NodeDecision {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a CSINode');
    if (a.subresource) return noOpinion('cannot authorize CSINode subresources');
    if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access CSINode with the same name as the requesting node');
    return allow;
  }

  private nodeObject(node: string, a: Attributes): NodeDecision {
    if (!a.subresource && ['get', 'list', 'watch', 'create'].includes(a.verb)) return allow;
    if ((a.subresource === '' || a.subresource === 'status') && (a.verb === 'update' || a.verb === 'patch')) {
      return a.name === node ? allow : noOpinion('can only update or patch the node object of the requesting node');
    }
    return noOpinion('');
  }

  /** Pods bound to another node are refused; pods unknown to the graph are let through (the store answers 404). */
  private boundHere(node: string, a: Attributes): boolean {
    this.usedGraph = true;
    const bound = this.graph.podNode.get(`${a.namespace}/${a.name}`);
    return bound === undefined || bound === node;
  }

  private pod(node: string, a: Attributes): NodeDecision {
    if (!a.subresource) {
      if (a.verb === 'get' || a.verb === 'list' || a.verb === 'watch' || a.verb === 'create') return allow;
      if (a.verb === 'delete') return a.name && this.boundHere(node, a) ? allow : noOpinion('can only delete pods bound to the requesting node');
      return noOpinion('');
    }
    if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) {
      return this.boundHere(node, a) ? allow : noOpinion('can only update the status of pods bound to the requesting node');
    }
    if (a.subresource === 'eviction' && a.verb === 'create') return allow;
    return noOpinion('');
  }
}
