// Loads each SDL file given as an argument with graphql-js' buildSchema (which validates the
// SDL, as gql, Apollo's tooling and graphql-codegen do with a local schema file) and prints
// {"<file>": {"types": <count>} | {"error": "<message>"}} as JSON on stdout.
// Used by tests/test_federation.py; node_modules lives outside the repository.
import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";

const out = {};
for (const file of process.argv.slice(2)) {
  try {
    const schema = buildSchema(readFileSync(file, "utf8"));
    out[file] = { types: Object.keys(schema.getTypeMap()).length };
  } catch (error) {
    out[file] = { error: String(error.message ?? error) };
  }
}
process.stdout.write(JSON.stringify(out));
