#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx bulk-export` works right after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

// The SDK's notice that future releases need Node 22 would otherwise open every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../src/cli/main.ts');
