// A passing run must print nothing that reads as a failure: no warnings, no failure marks, and
// no red or yellow text (colour is forced on for the run this reads). Exits 1 naming each line.
import { readFileSync } from 'node:fs';

const WORDS = /ExperimentalWarning|\bWarning\b|npm warn|npm WARN|deprecated|ERR!|\bFAIL\b|✗|×|\bError:/;
// Red and yellow, plain and bright, as text or background.
const COLOURS = /\x1b\[(?:\d+;)*(?:31|33|41|43|91|93)m/;

let found = 0;
for (const file of process.argv.slice(2)) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!WORDS.test(line) && !COLOURS.test(line)) return;
    found += 1;
    console.log(`${file}:${i + 1}: reads as a failure in a passing run: ${JSON.stringify(line.slice(0, 160))}`);
  });
}
process.exit(found > 0 ? 1 : 0);
