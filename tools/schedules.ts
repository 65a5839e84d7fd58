/**
 * The platform's Temporal Schedules through the API (so the same rules, defaults and manager token
 * apply as to any other client, locally or through a cluster's port-forward):
 *   node tools/schedules.ts list | history [--limit N]
 *   node tools/schedules.ts create <audit|restock> [--every S] [--paused] [--note T] [--threshold N --target N]
 *   node tools/schedules.ts describe | pause | unpause | trigger | delete <audit|restock> [--note T]
 *   node tools/schedules.ts backfill <audit|restock> [--start ISO --end ISO | --minutes N]
 * Prints the API's answer as JSON. Exit code 0 on success, 1 when the API refused, 2 bad usage or no
 * stack. Env: API_URL, MANAGER_TOKEN (the stack's local default).
 */
import { parseArgs } from 'node:util';
import { scheduleNames } from '@fake-stripe/kernel';
import type { ScheduleName } from '@fake-stripe/kernel';
import pc from 'picocolors';
import { call, describeError, env, ScenarioError } from './scenarios/api.ts';

const actions = ['list', 'history', 'create', 'describe', 'pause', 'unpause', 'trigger', 'backfill', 'delete'] as const;
type Action = (typeof actions)[number];

export interface ScheduleOptions {
  every?: number;
  paused?: boolean;
  note?: string;
  restock?: { threshold?: number; targetLevel?: number };
  start?: string;
  end?: string;
  limit?: number;
}

/** One schedule action through the API: the status and body (a 4xx is returned, not thrown). */
export async function scheduleAction(
  action: Action,
  name: ScheduleName | undefined,
  o: ScheduleOptions = {},
): Promise<{ status: number; body: unknown }> {
  const path = `/api/v1/schedules/${name ?? ''}`;
  const token = env.managerToken;
  switch (action) {
    case 'list':
      return call('get', '/api/v1/schedules');
    case 'history':
      return call('get', `/api/v1/audit/history?limit=${o.limit ?? 20}`, { timeoutMs: 60_000 });
    case 'describe':
      return call('get', path);
    case 'delete':
      return call('delete', path, { token });
    case 'create':
      return call('post', path, {
        token,
        json: {
          ...(o.every && { everySeconds: o.every }),
          ...(o.paused && { paused: true }),
          ...(o.note && { note: o.note }),
          ...(o.restock && { restock: o.restock }),
        },
      });
    case 'backfill':
      return call('post', `${path}/backfill`, { token, json: { start: o.start, end: o.end } });
    default:
      return call('post', `${path}/${action}`, { token, json: o.note ? { note: o.note } : {} });
  }
}

const usage = `usage: node tools/schedules.ts <${actions.join('|')}> [${scheduleNames.join('|')}] [--every S] [--paused] [--note T] [--threshold N] [--target N] [--start ISO --end ISO | --minutes N] [--limit N]`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      every: { type: 'string' },
      paused: { type: 'boolean' },
      note: { type: 'string' },
      threshold: { type: 'string' },
      target: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      minutes: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const [action = 'list', name] = positionals;
  const int = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));
  if (!(actions as readonly string[]).includes(action)) throw new ScenarioError(usage, true);
  const needsName = !['list', 'history'].includes(action);
  if (needsName && !(scheduleNames as readonly string[]).includes(name ?? ''))
    throw new ScenarioError(`name must be one of ${scheduleNames.join(', ')}\n${usage}`, true);
  // --minutes N: the window from N minutes ago to now.
  const minutes = int(values.minutes);
  const window = minutes
    ? { start: new Date(Date.now() - minutes * 60_000).toISOString(), end: new Date().toISOString() }
    : { start: values.start, end: values.end };
  const threshold = int(values.threshold);
  const targetLevel = int(values.target);
  const reply = await scheduleAction(action as Action, needsName ? (name as ScheduleName) : undefined, {
    every: int(values.every),
    paused: values.paused,
    ...(values.note && { note: values.note }),
    ...((threshold || targetLevel) && {
      restock: { ...(threshold && { threshold }), ...(targetLevel && { targetLevel }) },
    }),
    ...window,
    limit: int(values.limit),
  });
  if (reply.status >= 400) {
    console.error(pc.red(`✘ ${action} ${name ?? ''}: ${reply.status} ${describeError(reply.body)}`));
    return 1;
  }
  console.log(JSON.stringify(reply.body, null, 2));
  return 0;
}

if (import.meta.main) {
  try {
    process.exit(await main());
  } catch (err) {
    if (!(err instanceof ScenarioError) && !(err instanceof TypeError)) throw err;
    console.error(pc.red(err.message));
    process.exit(2);
  }
}
