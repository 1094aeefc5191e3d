#!/usr/bin/env node
// The built CLI (npm run build, run by `npm install` through the prepare script).
import '../dist/cli/main.js';
