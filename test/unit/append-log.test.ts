import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppendLog } from '../../local/store/append-log';

interface Entry {
  readonly seq: number;
  readonly text?: string;
}

let directory: string;
let file: string;
const openLogs: Array<AppendLog<Entry>> = [];

function open(): { log: AppendLog<Entry>; records: Entry[] } {
  const opened = AppendLog.open<Entry>(file);
  openLogs.push(opened.log);
  return opened;
}

function linesOnDisk(): string[] {
  return fs.readFileSync(file, 'utf8').split('\n');
}

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-append-log-'));
  file = path.join(directory, 'executions.jsonl');
});

afterEach(async () => {
  // Close what a test left open so no file descriptor outlives the temp directory.
  await Promise.all(openLogs.splice(0).map((log) => log.close()));
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('AppendLog', () => {
  it('creates a missing file and opens it empty', () => {
    // Prepare
    const missing = !fs.existsSync(file);

    // Act
    const { records } = open();

    // Assess
    expect(missing).toBe(true);
    expect(records).toEqual([]);
    expect(fs.existsSync(file)).toBe(true);
  });

  it('returns durable appends in order after reopening', async () => {
    // Prepare
    const { log } = open();
    const written: Entry[] = [{ seq: 1 }, { seq: 2, text: 'café ✓ 🚀 "quoted"\nsecond line' }, { seq: 3 }];

    // Act
    for (const entry of written) await log.append(entry);
    await log.close();
    const { records } = open();

    // Assess
    expect(records).toEqual(written);
  });

  it('has the record on disk by the time append resolves', async () => {
    // Prepare
    const { log } = open();

    // Act
    await log.append({ seq: 7 });

    // Assess
    expect(linesOnDisk()).toEqual(['{"seq":7}', '']);
  });

  it('lands each of 500 concurrent appends exactly once, in call order', async () => {
    // Prepare
    const { log } = open();
    const entries = Array.from({ length: 500 }, (_, seq) => ({ seq }));

    // Act
    await Promise.all(entries.map((entry) => log.append(entry)));
    await log.close();
    const { records } = open();

    // Assess
    expect(records).toHaveLength(500);
    expect(new Set(records.map(({ seq }) => seq)).size).toBe(500);
    expect(records).toEqual(entries);
  });

  it('drops a torn last line on open and truncates the file to the last newline', () => {
    // Prepare
    fs.writeFileSync(file, '{"seq":1}\n{"seq":2}\n{"seq":3,"te');

    // Act
    const { records } = open();

    // Assess
    expect(records).toEqual([{ seq: 1 }, { seq: 2 }]);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"seq":1}\n{"seq":2}\n');
  });

  it('starts the next append on a line of its own after dropping a torn line', async () => {
    // Prepare
    fs.writeFileSync(file, '{"seq":1}\n{"seq":2,"te');
    const { log } = open();

    // Act
    await log.append({ seq: 3 });
    await log.close();
    const { records } = open();

    // Assess
    expect(records).toEqual([{ seq: 1 }, { seq: 3 }]);
  });

  it('refuses to open a file with a corrupt line before the end, naming file and line', () => {
    // Prepare
    fs.writeFileSync(file, '{"seq":1}\n{"seq":2}\nnot json at all\n{"seq":4}\n');

    // Act
    const act = (): unknown => open();

    // Assess
    expect(act).toThrow(`${file}:3 is corrupt`);
  });

  it('treats a complete but corrupt last line as corruption, not as a torn write', () => {
    // Prepare
    fs.writeFileSync(file, '{"seq":1}\n{seq:2}\n');

    // Act
    const act = (): unknown => open();

    // Assess
    expect(act).toThrow(`${file}:2 is corrupt`);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"seq":1}\n{seq:2}\n');
  });

  it('writes lazy appends once flush resolves', async () => {
    // Prepare
    const { log } = open();

    // Act
    for (let seq = 0; seq < 20; seq++) log.appendLazy({ seq });
    await log.flush();

    // Assess
    expect(linesOnDisk()).toEqual([...Array.from({ length: 20 }, (_, seq) => JSON.stringify({ seq })), '']);
  });

  it('orders lazy and durable appends as they were made', async () => {
    // Prepare
    const { log } = open();

    // Act
    log.appendLazy({ seq: 1 });
    const durable = log.append({ seq: 2 });
    log.appendLazy({ seq: 3 });
    await durable;
    await log.flush();
    await log.close();
    const { records } = open();

    // Assess
    expect(records).toEqual([{ seq: 1 }, { seq: 2 }, { seq: 3 }]);
  });

  it('resolves flush at once when nothing is pending', async () => {
    // Prepare
    const { log } = open();

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), 1000);
    });

    // Act
    const flushed = await Promise.race([log.flush().then(() => 'flushed'), timedOut]);
    clearTimeout(timer);

    // Assess
    expect(flushed).toBe('flushed');
  });

  it('refuses appends after close', async () => {
    // Prepare
    const { log } = open();
    await log.close();

    // Act
    const act = (): unknown => log.appendLazy({ seq: 1 });

    // Assess
    expect(act).toThrow(`${file} is closed`);
  });

  it('keeps a complete last record that only lacks its newline, across two reopenings', async () => {
    // Prepare
    fs.writeFileSync(file, '{"seq":1}\n{"seq":2}');

    // Act
    const first = open();
    await first.log.close();
    const second = open();

    // Assess
    expect(first.records).toEqual([{ seq: 1 }, { seq: 2 }]);
    expect(second.records).toEqual([{ seq: 1 }, { seq: 2 }]);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"seq":1}\n{"seq":2}\n');
  });
});
