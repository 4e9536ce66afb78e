/**
 * `npm test` step: the domain imports no generated code, no rpc/ or store/ module, no client
 * module and no I/O library (scripts/dev/layering.ts). Lists every violation, exits 1 if any.
 */
import { ROOT } from "./processes.js";
import { checkLayering, domainFiles } from "./layering.js";

const violations = checkLayering(ROOT);
if (violations.length === 0) {
  console.log(`layering: ${domainFiles(ROOT).length} domain files import no generated code, rpc/, store/, client module or I/O library`);
} else {
  console.error(`layering: ${violations.length} forbidden import(s) in domain code:`);
  for (const v of violations) console.error(`  ${v.file}${v.line ? `:${v.line}` : ""} imports "${v.specifier}": ${v.why}`);
  process.exit(1);
}
