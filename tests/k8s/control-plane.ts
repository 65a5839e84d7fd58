/**
 * A real Kubernetes control plane on loopback for the chart tests: etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler (built by tools/k8s/build.sh into .tools/bin), and kwok,
 * which plays the kubelet of one fake Node so an installed release's pods are scheduled and turn
 * Running and Ready. kwok runs no containers: those pods are records in the API server, and their
 * IPs (like every Service's cluster IP) are fake addresses outside loopback, so nothing is ever
 * sent to them; the only address used is the API server's on 127.0.0.1.
 *
 * Everything lives in a temp dir (certificates, etcd's data, kubeconfigs, logs), every process
 * binds 127.0.0.1 on a free port (or serves nothing), and `stop()` kills them all and removes it.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { eventually, freePort, repoRoot, tempDir } from '@fake-stripe/kernel/testing';

const bin = (name: string): string => join(repoRoot, '.tools/bin', name);
/** kwok's stage files (what a fake node and pod do over time), linked by tools/k8s/build.sh. */
const kwokStage = join(repoRoot, '.tools/kwok-stage');
/** The fake Node kwok plays the kubelet of; the scheduler places every pod on it. */
export const NODE_NAME = 'kwok-node-0';
/** Service cluster IPs come from here; nothing routes it (there is no kube-proxy), nor do we. */
const SERVICE_CIDR = '10.254.0.0/24';

export interface ApiReply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of every kind
  body: any;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** A kubeconfig of the cluster admin (system:masters), for helm. */
  kubeconfig: string;
  /** A request to the API server as the admin; a body object is sent as JSON. */
  api(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiReply>;
  /** Stops kube-apiserver alone (SIGTERM, SIGKILL after 5 s); etcd and the rest keep running. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again, on the same port and etcd, and waits for /readyz. */
  startApiServer(): Promise<void>;
  /** Compacts etcd past its current revision (through its gRPC gateway): every resourceVersion so far is gone. */
  compactEtcd(): Promise<number>;
  stop(): Promise<void>;
}

interface Proc {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<void>;
}

const openssl = (cwd: string, ...args: string[]): void => {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
};

/** An EC key and a certificate signed by the CA in `dir` (ca.key, ca.crt), named NAME.key/.crt. */
function certificate(dir: string, name: string, subject: string, extensions: string): void {
  openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  openssl(dir, 'req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  );
}

/** The CA, the API server's serving certificate for 127.0.0.1, a client certificate per user, and
 * the service-account signing key pair. */
function certificates(dir: string, users: Record<string, string>): void {
  openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  openssl(
    dir,
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/CN=fake-stripe-test-ca',
    '-days',
    '2',
    '-out',
    'ca.crt',
  );
  certificate(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  for (const [name, subject] of Object.entries(users))
    certificate(dir, name, subject, 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key');
  openssl(dir, 'ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
}

function kubeconfig(dir: string, user: string, server: string): string {
  const file = join(dir, `${user}.kubeconfig`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server, 'certificate-authority': join(dir, 'ca.crt') } }],
      users: [
        {
          name: user,
          user: { 'client-certificate': join(dir, `${user}.crt`), 'client-key': join(dir, `${user}.key`) },
        },
      ],
      contexts: [{ name: 'test', context: { cluster: 'test', user } }],
      'current-context': 'test',
    }),
  );
  return file;
}

/** The last lines of a process's log, for an error message. */
const tail = (log: string, lines = 30): string => readFileSync(log, 'utf8').split('\n').slice(-lines).join('\n');

export async function startControlPlane(): Promise<ControlPlane> {
  const tmp = tempDir('fake-stripe-k8s-');
  const { dir } = tmp;
  const procs: Proc[] = [];

  const start = (name: string, args: string[]): Proc => {
    const log = join(dir, `${name}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(bin(name), args, { cwd: dir, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    const proc = { name, child, log, exited };
    procs.push(proc);
    return proc;
  };
  const alive = (p: Proc): void => {
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(`${p.name} exited (${p.child.exitCode ?? p.child.signalCode}):\n${tail(p.log)}`);
  };

  // Should the test process end without calling stop(), nothing it started stays behind.
  const killAll = (): void => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const terminate = async (p: Proc): Promise<void> => {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    const killed = setTimeout(() => p.child.kill('SIGKILL'), 5_000);
    await p.exited;
    clearTimeout(killed);
  };
  const stop = async (): Promise<void> => {
    for (const p of [...procs].reverse()) await terminate(p);
    process.off('exit', killAll);
    tmp.remove();
  };

  try {
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const server = `https://127.0.0.1:${apiPort}`;
    certificates(dir, {
      admin: '/O=system:masters/CN=admin',
      'kube-controller-manager': '/CN=system:kube-controller-manager',
      'kube-scheduler': '/CN=system:kube-scheduler',
      kwok: '/O=system:masters/CN=kwok',
    });
    const agent = new Agent({
      ca: readFileSync(join(dir, 'ca.crt')),
      cert: readFileSync(join(dir, 'admin.crt')),
      key: readFileSync(join(dir, 'admin.key')),
      keepAlive: true,
    });
    const api = (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiReply> =>
      new Promise((resolve, reject) => {
        const req = request(
          `${server}${path}`,
          { method, agent, headers: { accept: 'application/json', 'content-type': contentType } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => {
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                // not JSON (/readyz answers "ok"): keep the text
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.once('error', reject);
        req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
      });

    const etcd = start('etcd', [
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-urls',
      `http://127.0.0.1:${etcdPort}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${peerPort}`,
      '--listen-metrics-urls',
      '',
      '--unsafe-no-fsync', // a throwaway store: durability buys nothing and costs seconds
      '--log-level',
      'warn',
    ]);
    await eventually(
      async () => {
        alive(etcd);
        return (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok;
      },
      'etcd /health',
      { timeoutMs: 30_000, intervalMs: 100 },
    );

    const apiserverArgs = [
      '--etcd-servers',
      `http://127.0.0.1:${etcdPort}`,
      '--bind-address',
      '127.0.0.1',
      '--advertise-address',
      '127.0.0.1',
      '--secure-port',
      String(apiPort),
      '--tls-cert-file',
      'apiserver.crt',
      '--tls-private-key-file',
      'apiserver.key',
      '--client-ca-file',
      'ca.crt',
      '--service-account-issuer',
      'https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file',
      'sa.pub',
      '--service-account-signing-key-file',
      'sa.key',
      '--service-cluster-ip-range',
      SERVICE_CIDR,
      '--authorization-mode',
      'Node,RBAC',
      // The `kubernetes` Service gets no endpoints: the API server's address is loopback.
      '--endpoint-reconciler-type',
      'none',
      '--cert-dir',
      dir,
      '--profiling=false',
      '--v',
      '0',
    ];
    let apiserver: Proc | undefined;
    const startApiServer = async (): Promise<void> => {
      const started = start('kube-apiserver', apiserverArgs);
      apiserver = started;
      await eventually(
        async () => {
          alive(started);
          return (await api('GET', '/readyz').catch(() => ({ status: 0 }))).status === 200;
        },
        'kube-apiserver /readyz',
        { timeoutMs: 60_000, intervalMs: 100 },
      );
    };
    const stopApiServer = async (): Promise<void> => {
      if (apiserver) await terminate(apiserver);
    };
    await startApiServer();

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const compactEtcd = async (): Promise<number> => {
      const etcdPost = async (path: string, body: unknown): Promise<{ header?: { revision?: string } }> => {
        const r = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
        if (!r.ok) throw new Error(`etcd ${path}: ${r.status} ${await r.text()}`);
        return (await r.json()) as { header?: { revision?: string } };
      };
      // A write of a key outside the API server's /registry first: the compaction then passes every
      // resourceVersion the API server has handed out, the newest included. Keys and values are base64.
      const base64 = (text: string): string => Buffer.from(text).toString('base64');
      const put = await etcdPost('/v3/kv/put', { key: base64('fake-stripe-test/compaction'), value: base64('x') });
      const revision = Number(put.header?.revision);
      if (!Number.isInteger(revision) || revision < 1) throw new Error(`etcd gave no revision (${revision})`);
      await etcdPost('/v3/kv/compaction', { revision: String(revision), physical: true });
      return revision;
    };

    const common = ['--bind-address', '127.0.0.1', '--secure-port', '0', '--leader-elect=false', '--v', '0'];
    const controllers = start('kube-controller-manager', [
      '--kubeconfig',
      kubeconfig(dir, 'kube-controller-manager', server),
      '--service-account-private-key-file',
      'sa.key',
      '--root-ca-file',
      'ca.crt',
      // Each controller as its own ServiceAccount, with the bootstrap roles RBAC gives it (the manager's
      // own user may do little more than that).
      '--use-service-account-credentials=true',
      ...common,
    ]);
    const scheduler = start('kube-scheduler', ['--kubeconfig', kubeconfig(dir, 'kube-scheduler', server), ...common]);

    // The fake Node, with room for every pod of several releases; kwok keeps it Ready and leased.
    const node = await api('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: NODE_NAME,
        labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', type: 'kwok' },
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      },
      status: {
        allocatable: { cpu: '64', memory: '256Gi', pods: '500' },
        capacity: { cpu: '64', memory: '256Gi', pods: '500' },
      },
    });
    if (node.status !== 201) throw new Error(`creating the fake node: ${node.status} ${JSON.stringify(node.body)}`);
    // kwok's "fast" stages: a node Ready at once and kept leased, a pod Running and Ready at once.
    const stages = [
      'node/fast/node-initialize.yaml',
      'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
      ...['pod-ready', 'pod-complete', 'pod-delete'].map((f) => `pod/fast/${f}.yaml`),
    ].map((f) => join(kwokStage, f));
    const kwok = start('kwok', [
      '--kubeconfig',
      kubeconfig(dir, 'kwok', server),
      '--manage-all-nodes=true',
      '--node-lease-duration-seconds',
      '40',
      '--server-address',
      '',
      ...stages.flatMap((f) => ['--config', f]),
    ]);

    const ready = (n: ApiReply): boolean =>
      (n.body?.status?.conditions ?? []).some(
        (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
      );
    await eventually(
      async () => {
        for (const p of [controllers, scheduler, kwok]) alive(p);
        return ready(await api('GET', `/api/v1/nodes/${NODE_NAME}`));
      },
      'the fake node Ready (kwok)',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // A namespace's `default` ServiceAccount: the controllers are running.
    await eventually(
      async () => (await api('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
      'the default ServiceAccount (kube-controller-manager)',
      { timeoutMs: 30_000, intervalMs: 100 },
    );

    return {
      server,
      kubeconfig: kubeconfig(dir, 'admin', server),
      api,
      stopApiServer,
      startApiServer,
      compactEtcd,
      stop,
    };
  } catch (err) {
    const logs = procs.map((p) => `--- ${p.name}:\n${tail(p.log, 15)}`).join('\n');
    await stop();
    throw new Error(`the control plane did not start: ${(err as Error).message}\n${logs}`, { cause: err });
  }
}
