import { installLongTimers } from './long-timers';

/**
 * aws-local-stepfunctions 3.x calls Promise.withResolvers, which Node 22 has and the
 * Node 20 dev machine lacks. Loaded first by every local entry point.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof promiseConstructor.withResolvers !== 'function') {
  promiseConstructor.withResolvers = function withResolvers<T>(): Resolvers<T> {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// Wait states longer than 24.8 days wait their full length (see long-timers.ts).
installLongTimers(globalThis);

// The handbook pins Node 20 for the dev machine (Lambda runs 24); the SDK's notice about its
// future Node 22 requirement is known and would otherwise interleave with the cloud's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
