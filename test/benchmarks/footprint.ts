import * as fs from 'node:fs';

/** The local cloud's resident memory over one benchmark phase, worker threads included (they share the process). */
export interface Footprint {
  readonly label: string;
  /** Resident set a few seconds after the ready line, before any load. */
  readonly idleMb: number;
  /** Highest resident set sampled during the phase. */
  readonly peakSampledMb: number;
  /** The kernel's high-water mark of the resident set (VmHWM): the true peak, short spikes included. */
  readonly highWaterMb: number;
  /** Most threads seen at once: Node's own, dynalite's, and one per Lambda execution environment. */
  readonly peakThreads: number;
  /**
   * Highest anonymous resident memory sampled (RssAnon): the heaps and native allocations of the
   * threads, which the kernel can only reclaim by swapping.
   */
  readonly peakAnonymousMb: number;
  /**
   * Highest file-backed resident memory sampled (RssFile): pages of mapped files, Node's binary
   * and the LevelDB table files that dynalite's store keeps open. They are clean page cache, which
   * the kernel drops under memory pressure.
   */
  readonly peakFileBackedMb: number;
}

interface ProcessStatus {
  readonly rssMb: number;
  readonly anonymousMb: number;
  readonly fileBackedMb: number;
  readonly highWaterMb: number;
  readonly threads: number;
}

/** Reads /proc/<pid>/status (Linux); undefined once the process is gone or where there is no /proc. */
function readStatus(pid: number): ProcessStatus | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    rssMb: field('VmRSS') / 1024,
    anonymousMb: field('RssAnon') / 1024,
    fileBackedMb: field('RssFile') / 1024,
    highWaterMb: field('VmHWM') / 1024,
    threads: field('Threads'),
  };
}

/** One line for progress output, so a run that fails later still shows what it measured. */
export function describeFootprint(footprint: Footprint): string {
  return `${footprint.label}: idle ${footprint.idleMb.toFixed(0)} MB, peak sampled ${footprint.peakSampledMb.toFixed(0)} MB, high-water mark ${footprint.highWaterMb.toFixed(0)} MB (anonymous at most ${footprint.peakAnonymousMb.toFixed(0)} MB, file-backed at most ${footprint.peakFileBackedMb.toFixed(0)} MB), at most ${footprint.peakThreads} threads`;
}

/**
 * Samples a process's resident memory every `intervalMs` from the moment it is idle until
 * {@link FootprintSampler.finish}, which also reads the kernel's high-water mark.
 */
export class FootprintSampler {
  private readonly timer: NodeJS.Timeout;
  private peakSampledMb: number;
  private peakThreads: number;
  private peakAnonymousMb = 0;
  private peakFileBackedMb = 0;

  private constructor(
    private readonly label: string,
    private readonly pid: number,
    private readonly idleMb: number,
    intervalMs: number,
  ) {
    this.peakSampledMb = idleMb;
    this.peakThreads = 0;
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Waits `settleMs` after start for the idle figure, then samples until finished. */
  static async start(label: string, pid: number, settleMs = 3000, intervalMs = 200): Promise<FootprintSampler> {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const status = readStatus(pid);
    if (!status) throw new Error(`cannot read /proc/${pid}/status to measure the local cloud's memory`);
    const sampler = new FootprintSampler(label, pid, status.rssMb, intervalMs);
    sampler.sample();
    return sampler;
  }

  private sample(): void {
    const status = readStatus(this.pid);
    if (!status) return;
    this.peakSampledMb = Math.max(this.peakSampledMb, status.rssMb);
    this.peakThreads = Math.max(this.peakThreads, status.threads);
    this.peakAnonymousMb = Math.max(this.peakAnonymousMb, status.anonymousMb);
    this.peakFileBackedMb = Math.max(this.peakFileBackedMb, status.fileBackedMb);
  }

  /** Stops sampling; call while the process still runs, so its high-water mark can be read. */
  finish(): Footprint {
    clearInterval(this.timer);
    this.sample();
    const status = readStatus(this.pid);
    return {
      label: this.label,
      idleMb: this.idleMb,
      peakSampledMb: this.peakSampledMb,
      highWaterMb: status?.highWaterMb ?? this.peakSampledMb,
      peakThreads: this.peakThreads,
      peakAnonymousMb: this.peakAnonymousMb,
      peakFileBackedMb: this.peakFileBackedMb,
    };
  }
}
