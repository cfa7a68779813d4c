// Hive Gateway configuration for dualhub (see README.md).
//   SUPERGRAPH    the composed supergraph (compose.mjs), default ./supergraph.graphql
//   DUALHUB_URLS  the hub processes' /graphql URLs, comma-separated; the first is the one
//                 the supergraph names, and requests to it are spread round-robin over all
import { defineConfig } from "@graphql-hive/gateway";

const hubs = (process.env.DUALHUB_URLS ?? "http://127.0.0.1:4001/graphql")
  .split(",")
  .map((url) => url.trim())
  .filter(Boolean);
let next = 0;

/** Round-robin over the hub processes: every hub serves the same data (the hub is
 * stateless; they share the databases), so any may answer any subgraph request. */
const spreadOverHubs = () => ({
  onFetch({ url, setURL }) {
    if (hubs.length > 1 && url === hubs[0]) {
      setURL(hubs[next]);
      next = (next + 1) % hubs.length;
    }
  },
});

export const gatewayConfig = defineConfig({
  supergraph: process.env.SUPERGRAPH ?? "./supergraph.graphql",
  // The hub scopes every read, `_entities` included, by the caller's bearer token: pass
  // it on, with the client-awareness and trace headers the hub logs.
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      return {
        authorization: request.headers.get("authorization"),
        "apollographql-client-name": request.headers.get("apollographql-client-name"),
        "apollographql-client-version": request.headers.get("apollographql-client-version"),
        traceparent: request.headers.get("traceparent"),
        tracestate: request.headers.get("tracestate"),
      };
    },
  },
  plugins: () => [spreadOverHubs()],
});
