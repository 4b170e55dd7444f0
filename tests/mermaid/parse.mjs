// Parses each Mermaid file named on the command line with Mermaid's own parser and prints
// one line per file: `ok <path> <diagram type>` or `error <path> <message>`. Exit 1 if any fails.
// @mermaid-js/parser does not cover flowcharts, so Mermaid runs here on a jsdom window.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

let failed = false;
for (const path of process.argv.slice(2)) {
  try {
    const result = await mermaid.parse(readFileSync(path, 'utf8'));
    console.log(`ok ${path} ${result.diagramType}`);
  } catch (e) {
    failed = true;
    console.log(`error ${path} ${String(e.message).replace(/\n/g, ' | ')}`);
  }
}
process.exit(failed ? 1 : 0);
