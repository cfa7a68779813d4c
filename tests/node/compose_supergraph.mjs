// Composes Federation 2 subgraphs with Apollo's composition (@apollo/composition) and prints
// {"errors": [{"code", "message"}...]} or {"supergraphSdl": "..."} as JSON on stdout.
// Input on stdin: [{"name": "...", "url": "...", "sdl": "..."}, ...].
// Used by tests/test_federation.py and deploy/; node_modules lives outside the repository.
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const services = JSON.parse(input).map(({ name, url, sdl }) => ({
  name,
  url,
  typeDefs: parse(sdl),
}));
const result = composeServices(services);
if (result.errors) {
  const errors = result.errors.map((error) => ({
    code: error.extensions?.code ?? null,
    message: error.message,
  }));
  process.stdout.write(JSON.stringify({ errors }));
} else {
  process.stdout.write(JSON.stringify({ supergraphSdl: result.supergraphSdl }));
}
