import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterServiceRules, parseTableBlocks } from './rules-for.js';

// As `nft list table ip kube-proxy` prints it (nft 1.0.6).
const TABLE = [
  'table ip kube-proxy {',
  '\tcomment "rules for kube-proxy"',
  '\tmap no-endpoint-services {',
  '\t\ttype ipv4_addr . inet_proto . inet_service : verdict',
  '\t\telements = { 10.96.0.11 . tcp . 80 comment "default/empty:" : goto reject-chain,',
  '\t\t\t     10.96.0.14 . udp . 53 comment "default/web-dns:dns" : goto reject-chain }',
  '\t}',
  '',
  '\tmap service-ips {',
  '\t\ttype ipv4_addr . inet_proto . inet_service : verdict',
  '\t\tcomment "ClusterIP, ExternalIP and LoadBalancer IP traffic"',
  '\t\telements = { 10.96.0.10 . tcp . 80 : goto service-AAAAAAAA-default/web/tcp/,',
  '\t\t\t     10.96.0.12 . tcp . 80 : goto service-BBBBBBBB-default/web2/tcp/ }',
  '\t}',
  '',
  '\tchain services {',
  '\t\tip daddr . meta l4proto . th dport vmap @service-ips',
  '\t}',
  '',
  '\tchain service-AAAAAAAA-default/web/tcp/ {',
  '\t\tgoto endpoint-CCCCCCCC-default/web/tcp/__10.244.1.11/8000',
  '\t}',
  '',
  '\tchain endpoint-CCCCCCCC-default/web/tcp/__10.244.1.11/8000 {',
  '\t\tip saddr 10.244.1.11 jump mark-for-masquerade',
  '\t\tmeta l4proto tcp dnat to 10.244.1.11:8000',
  '\t}',
  '',
  '\tchain service-BBBBBBBB-default/web2/tcp/ {',
  '\t\tgoto endpoint-DDDDDDDD-default/web2/tcp/__10.244.1.12/8000',
  '\t}',
  '}',
  '',
].join('\n');

test('the table splits into its map, set and chain blocks', () => {
  assert.deepEqual(parseTableBlocks(TABLE).map((b) => `${b.kind} ${b.name}`), [
    'map no-endpoint-services', 'map service-ips', 'chain services', 'chain service-AAAAAAAA-default/web/tcp/',
    'chain endpoint-CCCCCCCC-default/web/tcp/__10.244.1.11/8000', 'chain service-BBBBBBBB-default/web2/tcp/',
  ]);
});

test('one Service: its map elements and chains, not those of a Service whose name it prefixes', () => {
  assert.equal(filterServiceRules(TABLE, 'default', 'web'), [
    'table ip kube-proxy (Service default/web)',
    'map service-ips {',
    '\t10.96.0.10 . tcp . 80 : goto service-AAAAAAAA-default/web/tcp/',
    '}',
    'chain service-AAAAAAAA-default/web/tcp/ {',
    '\tgoto endpoint-CCCCCCCC-default/web/tcp/__10.244.1.11/8000',
    '}',
    'chain endpoint-CCCCCCCC-default/web/tcp/__10.244.1.11/8000 {',
    '\tip saddr 10.244.1.11 jump mark-for-masquerade',
    '\tmeta l4proto tcp dnat to 10.244.1.11:8000',
    '}',
    '',
  ].join('\n'));
});

test('a Service without endpoints shows its reject elements; an unknown one shows nothing', () => {
  assert.match(filterServiceRules(TABLE, 'default', 'empty'), /map no-endpoint-services \{\n\t10\.96\.0\.11 \. tcp \. 80 comment "default\/empty:" : goto reject-chain\n\}/);
  assert.ok(!filterServiceRules(TABLE, 'default', 'web').includes('web-dns'));
  assert.equal(filterServiceRules(TABLE, 'default', 'nope'), '');
  assert.equal(filterServiceRules('', 'default', 'web'), '');
});
