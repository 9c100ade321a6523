#!/usr/bin/env node
// The CLI is TypeScript like the rest of the project; tsx compiles it on the fly.
require('tsx/cjs');
require('../cli/main.ts');
