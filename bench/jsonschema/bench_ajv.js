// bench/jsonschema/bench_ajv.js: the same measurement with ajv (Node.js).
// Usage: node bench_ajv.js SCHEMA.json DOC.json [SECONDS]; needs NODE_PATH to
// hold an `ajv` install (run.sh provides one). ajv is told to ignore
// "format" (annotation only), as schemagate does by default.
'use strict';
const fs = require('fs');
const Ajv = require('ajv');

const [schemaPath, docPath, secsArg] = process.argv.slice(2);
const secs = secsArg ? Number(secsArg) : 2;
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const raw = fs.readFileSync(docPath); // a Buffer: the message's bytes
const ajv = new Ajv({ validateFormats: false, strict: false });
const validate = ajv.compile(schema);
const parsed = JSON.parse(raw.toString('utf8'));
if (!validate(parsed)) {
  console.error('bench_ajv: the document is not valid', validate.errors);
  process.exit(1);
}

function run(mode, seconds) {
  let iters = 0;
  let bad = false;
  const t0 = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let t1;
  do {
    for (let i = 0; i < 1000; i++) {
      if (mode === 0) {
        bad = bad || JSON.parse(raw.toString('utf8')) === undefined;
      } else if (mode === 1) {
        bad = bad || !validate(parsed);
      } else {
        bad = bad || !validate(JSON.parse(raw.toString('utf8')));
      }
    }
    iters += 1000;
    t1 = process.hrtime.bigint();
  } while (t1 - t0 < limit);
  if (bad) {
    console.error('bench_ajv: the document did not validate');
    process.exit(1);
  }
  return Number(t1 - t0) / iters;
}

run(2, secs / 4); // warm-up (JIT)
const names = ['parse only', 'validate only', 'parse + validate'];
for (let m = 0; m < 3; m++) {
  const ns = run(m, secs);
  console.log(`ajv ${require('ajv/package.json').version.padEnd(7)}${names[m].padEnd(17)} ` +
    `${ns.toFixed(0).padStart(8)} ns/msg ${(1e9 / ns).toFixed(0).padStart(12)} msg/s  ` +
    `(${raw.length}-byte document)`);
}
