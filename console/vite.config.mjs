// Built by local/console/build-console.ts (npm start, the test setup) and for the CDK deployment.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Served under /console by the local cloud and by CloudFront alike.
  base: '/console/',
  // React's automatic JSX runtime through Vite's own esbuild: no Babel plugin needed for a build.
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      // zod's sources carry esbuild-placed annotations Rollup cannot use; they are harmless.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
