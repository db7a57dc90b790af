// Validates wsrelay's discovery exports with the official tools:
//   node validate.mjs asyncapi FILE   -> @asyncapi/parser (AsyncAPI 3.0), exit 1 with diagnostics on errors
//   node validate.mjs har FILE        -> har-validator (HAR 1.2 JSON Schema), exit 1 with its errors
// Prints one line "valid <kind>" on success. Used by DiscoveryDocumentsIT.
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import harValidator from 'har-validator';

const [kind, file] = process.argv.slice(2);
const text = readFileSync(file, 'utf8');

if (kind === 'asyncapi') {
  const parser = new Parser();
  const { document, diagnostics } = await parser.parse(text);
  // Severity 0 is an error; 1-3 are warnings, hints and information.
  const errors = diagnostics.filter((d) => d.severity === 0);
  if (!document || errors.length > 0) {
    for (const d of errors) {
      console.log(`error ${d.code} at ${JSON.stringify(d.path)}: ${d.message}`);
    }
    process.exit(1);
  }
  console.log(`valid asyncapi ${document.version()} channels=${document.channels().length} `
    + `operations=${document.operations().length} messages=${document.allMessages().length}`);
} else if (kind === 'har') {
  try {
    await harValidator.har(JSON.parse(text));
    console.log('valid har');
  } catch (e) {
    console.log(`error ${e.message}: ${JSON.stringify(e.errors ?? [])}`);
    process.exit(1);
  }
} else {
  console.log('usage: node validate.mjs asyncapi|har FILE');
  process.exit(2);
}
