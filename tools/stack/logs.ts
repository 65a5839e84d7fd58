/** Prefixed, pretty printing of the services' pino log files, followed like `tail -F`. */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import pc from 'picocolors';

const palette = [pc.cyan, pc.magenta, pc.blue, pc.yellow, pc.green, pc.red];
/** pino levels, by label (formatters.level) and by number (pino's default). */
const levels: Record<string, string> = {
  trace: pc.gray('TRACE'),
  debug: pc.blue('DEBUG'),
  info: pc.green('INFO '),
  warn: pc.yellow('WARN '),
  error: pc.red('ERROR'),
  fatal: pc.bgRed('FATAL'),
};
const labels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
/** Fields shown elsewhere on the line, the same on every line, or too long to be worth it. */
const hidden = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'v']);
const noisy = new Set(['trace_id', 'span_id']); // still in the file, for finding the trace
const MAX_FIELDS = 8;

/** A function printing one raw log line of `name`, prefixed with its padded, coloured name. */
export function printer(names: string[]): (name: string, line: string) => void {
  const width = Math.max(...names.map((n) => n.length));
  const prefix = new Map(names.map((n, i) => [n, palette[i % palette.length]!(n.padEnd(width)) + pc.dim(' │ ')]));
  return (name, line) => {
    const head = prefix.get(name) ?? `${name} │ `;
    console.log(pretty(line).replace(/^/gm, head));
  };
}

function pretty(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
    if (typeof rec !== 'object' || rec === null || !('msg' in rec || 'level' in rec)) return line;
  } catch {
    return line;
  }
  const time = typeof rec.time === 'number' || typeof rec.time === 'string' ? rec.time : null;
  const d = new Date(time ?? NaN);
  const ms = String(d.getMilliseconds()).padStart(3, '0');
  const clock = Number.isNaN(d.getTime()) ? '' : `${d.toTimeString().slice(0, 8)}.${ms}`;
  const label = (typeof rec.level === 'number' && labels[rec.level / 10 - 1]) || text(rec.level);
  const level = levels[label] ?? label;
  type Err = { type?: string; message?: string; stack?: string };
  const err = typeof rec.err === 'object' && rec.err !== null ? (rec.err as Err) : undefined;
  const fields = Object.entries(rec)
    .filter(([k]) => !hidden.has(k) && !noisy.has(k) && !(k === 'err' && err))
    .slice(0, MAX_FIELDS)
    .map(([k, v]) => pc.dim(`${k}=`) + clip(text(v)));
  if (err) fields.push(pc.red(`err=${err.type ?? 'Error'}: ${err.message ?? ''}`));
  const head = [pc.dim(clock), level, text(rec.msg), ...fields].filter(Boolean).join(' ');
  const stack = err?.stack && (label === 'error' || label === 'fatal') ? err.stack : '';
  return stack ? `${head}\n${pc.dim(stack.replace(/^/gm, '    '))}` : head;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : (JSON.stringify(v) ?? ''));
const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/**
 * Calls `onLine` for every complete line appended to `file` after byte `from` (or after its last
 * `from.tail` lines), surviving truncation and a file that does not exist yet. Returns a stopper.
 */
export function follow(file: string, from: number | { tail: number }, onLine: (line: string) => void): () => void {
  let offset = typeof from === 'number' ? from : tailOffset(file, from.tail);
  let rest = '';
  let decoder = new StringDecoder('utf8');
  const tick = (): void => {
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      return; // not created yet, or removed: wait for it
    }
    if (size < offset) [offset, rest, decoder] = [0, '', new StringDecoder('utf8')];
    if (size === offset) return;
    const buf = Buffer.alloc(size - offset);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buf, 0, buf.length, offset);
    } finally {
      fs.closeSync(fd);
    }
    offset = size;
    const lines = (rest + decoder.write(buf)).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  };
  tick();
  const timer = setInterval(tick, 200);
  return () => {
    tick();
    clearInterval(timer);
  };
}

/** Byte offset where the last `lines` lines of `file` start (0 when it does not exist). */
function tailOffset(file: string, lines: number): number {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return 0;
  }
  const start = Math.max(0, size - 64 * 1024);
  const buf = Buffer.alloc(size - start);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, buf, 0, buf.length, start);
  } finally {
    fs.closeSync(fd);
  }
  let at = buf.length;
  if (buf[at - 1] === 0x0a) at--; // the trailing newline ends the last line, it does not start one
  for (let n = 0; n < lines; n++) {
    const nl = at > 0 ? buf.lastIndexOf(0x0a, at - 1) : -1;
    if (nl < 0) return start; // fewer lines than asked for (in the window read)
    at = nl;
  }
  return start + at + 1;
}
