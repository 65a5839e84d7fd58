/** Prefixed, pretty printing of the services' pino log files, followed like `tail -F`. */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import pc from 'picocolors';
import { prettyFactory } from 'pino-pretty';

const palette = [pc.cyan, pc.magenta, pc.blue, pc.yellow, pc.green, pc.red];
/**
 * One line per record: local time, level, message and the other fields as JSON (an `err` adds its
 * stack below). Hidden: fields the prefix already shows or that are the same on every line, and the
 * trace ids (still in the file, for finding the trace). A line that is not JSON is printed as is.
 */
const pretty = prettyFactory({
  colorize: pc.isColorSupported,
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname,service,v,trace_id,span_id',
  singleLine: true,
});

/** A function printing one raw log line of `name`, prefixed with its padded, coloured name. */
export function printer(names: string[]): (name: string, line: string) => void {
  const width = Math.max(...names.map((n) => n.length));
  // i % length always picks a colour; reset (no colour) only satisfies the index's type.
  const colour = (i: number): ((s: string) => string) => palette[i % palette.length] ?? pc.reset;
  const prefix = new Map(names.map((n, i) => [n, colour(i)(n.padEnd(width)) + pc.dim(' │ ')]));
  return (name, line) => {
    const head = prefix.get(name) ?? `${name} │ `;
    console.log(pretty(line).trimEnd().replace(/^/gm, head));
  };
}

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
