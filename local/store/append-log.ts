import * as fs from 'node:fs';

/**
 * An append-only JSON-lines file with group commit: concurrent durable appends share one
 * write and one fdatasync, so the local cloud's bookkeeping costs little per request and
 * never queues behind the application's DynamoDB traffic.
 */
export class AppendLog<T> {
  private readonly fd: number;
  private pending: string[] = [];
  private durableWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private flushing = false;
  private scheduled = false;
  private closed = false;

  private constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }

  /**
   * Opens (creating if needed) a log and returns it with every record it already holds.
   * A torn last line, left by a crash in the middle of a write, is dropped: its append had
   * not been acknowledged.
   */
  static open<T>(file: string): { log: AppendLog<T>; records: T[] } {
    const records: T[] = [];
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      const lines = text.split('\n');
      for (let index = 0; index < lines.length; index++) {
        const line = lines[index];
        if (line === '') continue;
        try {
          records.push(JSON.parse(line) as T);
        } catch (error) {
          if (index < lines.length - 1) throw new Error(`${file}:${index + 1} is corrupt: ${(error as Error).message}`);
          // The torn tail was never acknowledged, so dropping it loses nothing a caller was promised.
          fs.truncateSync(file, text.lastIndexOf('\n') + 1);
          return { log: new AppendLog<T>(file), records };
        }
      }
      // A complete last record missing only its newline is kept, and the newline restored.
      if (text !== '' && !text.endsWith('\n')) fs.appendFileSync(file, '\n');
    }
    return { log: new AppendLog<T>(file), records };
  }

  /** Appends a record and resolves once it is on disk (written and fdatasync'd). */
  append(record: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.enqueue(record);
      this.durableWaiters.push({ resolve, reject });
    });
  }

  /** Appends a record in the next batch without waiting for it to reach the disk. */
  appendLazy(record: T): void {
    this.enqueue(record);
  }

  /** Resolves once everything appended so far is on disk. */
  flush(): Promise<void> {
    if (this.pending.length === 0 && !this.flushing) return Promise.resolve();
    return new Promise((resolve, reject) => this.durableWaiters.push({ resolve, reject }));
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    fs.closeSync(this.fd);
  }

  private enqueue(record: T): void {
    if (this.closed) throw new Error(`${this.file} is closed`);
    this.pending.push(JSON.stringify(record));
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.writeBatch();
    });
  }

  private async writeBatch(): Promise<void> {
    if (this.pending.length === 0 && this.durableWaiters.length === 0) return;
    this.flushing = true;
    const lines = this.pending;
    const waiters = this.durableWaiters;
    this.pending = [];
    this.durableWaiters = [];
    try {
      if (lines.length > 0) await writeAll(this.fd, Buffer.from(lines.join('\n') + '\n', 'utf8'));
      if (waiters.length > 0)
        await new Promise<void>((resolve, reject) =>
          fs.fdatasync(this.fd, (error) => (error ? reject(error) : resolve())),
        );
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error as Error);
    } finally {
      this.flushing = false;
      if (this.pending.length > 0 || this.durableWaiters.length > 0) this.schedule();
    }
  }
}

async function writeAll(fd: number, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const written = await new Promise<number>((resolve, reject) =>
      fs.write(fd, buffer, offset, buffer.length - offset, null, (error, bytes) =>
        error ? reject(error) : resolve(bytes),
      ),
    );
    offset += written;
  }
}
