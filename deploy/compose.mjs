// Composes the supergraph Hive Gateway serves from the hub's subgraph SDL (schema.graphql)
// with Apollo's composition, and writes it to stdout:
//   node compose.mjs ../schema.graphql http://127.0.0.1:4001/graphql > supergraph.graphql
// The URL is the hub's routing URL in the supergraph; gateway.config.mjs spreads the
// requests over every URL of DUALHUB_URLS. Fails (status 1) with composition's errors.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const [sdlPath = "../schema.graphql", url = "http://127.0.0.1:4001/graphql"] =
  process.argv.slice(2);
const result = composeServices([
  { name: "dualhub", url, typeDefs: parse(readFileSync(sdlPath, "utf8")) },
]);
if (result.errors) {
  for (const error of result.errors) {
    process.stderr.write(`${error.extensions?.code ?? "ERROR"}: ${error.message}\n`);
  }
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
