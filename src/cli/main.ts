/**
 * @module cli/main
 * The `skiff` command: dispatches to subcommands. Only cli/ wires components together.
 */
// Every command is imported only when run: the control plane's modules (storage drivers, the API
// server, every kind's schema) would otherwise cost each node agent, kube-proxy and DNS process
// tens of MB of RSS they never use.


const USAGE = `skiff: a real Kubernetes in TypeScript

Usage:
  skiff server [--data-dir DIR] [--port 6443] [--bind-address 127.0.0.1] [--advertise-address IP] [--storage sqlite|etcd://HOST:PORT,...] [--merge-kubeconfig]
               [--token-auth-file F] [--authorization-mode Node,RBAC] [--anonymous-auth true|false]
               [--enable-admission-plugins A,B] [--disable-admission-plugins A,B]
               [--service-account-issuer URL] [--api-audiences A,B] [--enable-bootstrap-token-auth true|false]
               [--oidc-issuer-url URL --oidc-client-id ID [--oidc-username-claim C] [--oidc-groups-claim C] [--oidc-ca-file F]]
               [--audit-policy-file F --audit-log-path F [--audit-log-maxsize MB]] [--encryption-provider-config F]
               [--simulated-nodes N] [--disable-controller-manager] [--disable-scheduler]
               [--controllers '*,-name'] [--cluster-cidr 10.244.0.0/16] [--node-monitor-grace-period 40s]
               [--cluster-signing-cert-file F --cluster-signing-key-file F] [--cluster-signing-duration 8760h]
               [--disable-agent] [--runtime containerd|process|simulated] [--container-runtime-endpoint unix:///...]
               [--node-name N] [--kubelet-port 10250]
  skiff controller-manager --kubeconfig F [--leader-elect true|false] [--controllers ...] [--cluster-cidr ...]
  skiff scheduler --kubeconfig F [--leader-elect true|false]
  skiff simulated-nodes --kubeconfig F --count N [--prefix sim] [--cpu 4] [--memory 16Gi] [--pods 110] [--zones a,b,c]
  skiff agent --server URL --token ID.SECRET (--ca-file F | --ca-cert-hash sha256:HEX) [--data-dir DIR] [--node-name N]
              [--runtime containerd|process|simulated] [--container-runtime-endpoint unix:///...] [--kubelet-port 10250]
              [--node-ip IP] [--node-labels k=v,...] [--pod-manifest-path DIR] [--registry HOST:PORT ...]
  skiff up --nodes N [--data-dir DIR] [--registry 127.0.0.1:PORT] [--dns-upstream IP:PORT ...] [--proxy-mode iptables|nftables|none]
           [--underlay-cidr 172.30.0.0/24] [--cluster-cidr 10.244.0.0/16] [--disable-network-policy] [--port 6443]   (root)
  skiff up ... [--etcd-members 3] [--node-monitor-grace-period 40s] [--node-monitor-period 5s]
  skiff down [--data-dir DIR] [--purge]
  skiff stop NAME [--kill] [--grace-period 15s] [--data-dir DIR]     (the failure lab: apiserver, scheduler, controller-manager,
  skiff start NAME [--timeout 90s] [--data-dir DIR]                   kubelet/NODE, kube-proxy/NODE, etcd/N, dns, servicelb)
  skiff status [--data-dir DIR]
  skiff proxy --kubeconfig F --node-name N [--proxy-mode iptables|nftables] [--cluster-cidr C] [--cleanup]
  skiff proxy rules SERVICE [-n NS] [--proxy-mode iptables|nftables] [--netns NAME]
  skiff dns --kubeconfig F --listen IP:PORT [--zone cluster.local] [--upstream IP:PORT ...]
  skiff servicelb --kubeconfig F --pool CIDR|FIRST-LAST
  (server, agent, controller-manager, scheduler, simulated-nodes also take [--tracing true|false] [--otlp-endpoint URL];
   server also [--tracing-roots-per-second 50]; docs/tracing.md)
  skiff trace KIND/NAME [-n NS] [--kubeconfig F] [--json] [--wait 3s]   (the request-flow trace of the object's latest change)
  skiff dashboard [--kubeconfig F] [--port 8001] [--address 127.0.0.1]   (the web UI as a kubeconfig identity; skiff server also serves it at /dashboard/)
  skiff snapshot save FILE [--data-dir DIR] [--storage ...]
  skiff snapshot restore FILE [--data-dir DIR] [--storage ...]
  skiff image build DIR|-f RECIPE -t REF [--output OCI_DIR] [--push] | push OCI_DIR REF | import FILE -t REF [--push]

Every command that keeps state takes --data-dir (default: $SKIFF_DATA_DIR or ./.skiff).
`;

export async function main(argv: string[]): Promise<number | void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'server': return (await import('./server.js')).serverCommand(rest);
    case 'snapshot': return (await import('./snapshot.js')).snapshotCommand(rest);
    // Loaded on demand: `skiff server` should not pay for modules it does not run.
    case 'controller-manager': return (await import('./controller-manager.js')).controllerManagerCommand(rest);
    case 'scheduler': return (await import('./scheduler.js')).schedulerCommand(rest);
    case 'simulated-nodes': return (await import('./simulated-nodes.js')).simulatedNodesCommand(rest);
    case 'image': return (await import('./image.js')).imageCommand(rest);
    case 'agent': return (await import('./agent.js')).agentCommand(rest);
    case 'proxy': return (await import('./proxy.js')).proxyCommand(rest);
    case 'dns': return (await import('./dns.js')).dnsCommand(rest);
    case 'up': return (await import('./up.js')).upCommand(rest);
    case 'down': return (await import('./up.js')).downCommand(rest);
    case 'servicelb': return (await import('./servicelb.js')).servicelbCommand(rest);
    case 'trace': return (await import('./trace.js')).traceCommand(rest);
    case 'dashboard': return (await import('./dashboard.js')).dashboardCommand(rest);
    case 'stop': return (await import('./lab.js')).stopCommand(rest);
    case 'start': return (await import('./lab.js')).startCommand(rest);
    case 'status': return (await import('./lab.js')).statusCommand(rest);
    case undefined: case '-h': case '--help': case 'help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`skiff: unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}
