import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { startLocalCloud, temporaryDataDirectory } from '../support/local-cloud-process';

const projectRoot = path.resolve(__dirname, '..', '..');

describe('the local cloud command', () => {
  it('prints its usage with --help and exits', () => {
    // Act
    const output = execFileSync(process.execPath, ['--import', 'tsx', 'local/main.ts', '--help'], {
      cwd: projectRoot,
      encoding: 'utf8',
    });

    // Assess
    expect(output).toContain('Usage: npm start -- [options]');
    expect(output).toMatch(/--port <n>[\s\S]*--data-dir <dir>[\s\S]*--no-synth/);
  });

  it('refuses an unknown option and an invalid port with a clear message', () => {
    // Act
    const run = (...args: string[]): string => {
      try {
        execFileSync(process.execPath, ['--import', 'tsx', 'local/main.ts', ...args], {
          cwd: projectRoot,
          encoding: 'utf8',
          stdio: 'pipe',
        });
        return 'exited 0';
      } catch (error) {
        return String((error as { stderr?: string }).stderr);
      }
    };

    // Assess
    expect(run('--bogus')).toContain("Unknown option '--bogus'");
    expect(run('--port', '70000', '--no-synth')).toContain('Invalid port "70000"');
  });

  it('stops cleanly on SIGTERM', async () => {
    // Prepare
    const cloud = await startLocalCloud(temporaryDataDirectory('signals'));

    // Act
    const exitCode = await cloud.stop();

    // Assess
    expect(exitCode).toBe(0);
    expect(cloud.output()).toContain('SIGTERM received, stopping ...');
    expect(cloud.output()).toContain('psflow local cloud stopped');
  });

  it('refuses a second local cloud on a data directory in use, naming the holder', async () => {
    // Prepare
    const dataDirectory = temporaryDataDirectory('locked');
    const first = await startLocalCloud(dataDirectory);

    // Act
    const second = await startLocalCloud(dataDirectory).then(
      async (cloud) => {
        await cloud.stop();
        return 'started';
      },
      (error: Error) => error.message,
    );
    await first.stop();

    // Assess
    expect(second).toMatch(/Data directory .* is in use by another local cloud \(pid \d+\)/);
  });
});
