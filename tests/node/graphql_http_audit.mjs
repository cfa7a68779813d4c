// Runs graphql-http's server audit (GraphQL over HTTP conformance) against the URL given
// as the first argument and prints the results as one JSON array on stdout.
// Used by tests/test_http_conformance.py; node_modules lives outside the repository.
import { auditServer } from "graphql-http";

const url = process.argv[2];
const results = await auditServer({ url });
const out = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    entry.reason = result.reason;
    entry.httpStatus = result.response.status;
    entry.contentType = result.response.headers.get("content-type");
    try {
      entry.body = (await result.response.text()).slice(0, 500);
    } catch (error) {
      entry.body = String(error);
    }
  }
  out.push(entry);
}
process.stdout.write(JSON.stringify(out));
