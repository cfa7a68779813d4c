// Runs one query through urql's persisted exchange (@urql/exchange-persisted, automatic
// persisted queries) against the URL given as the first argument, twice, and prints
// {"first": <result>, "second": <result>} as JSON on stdout. The first send is the hash
// alone, which the hub answers PersistedQueryNotFound; urql must then retry with the query.
// Used by tests/test_trusted_documents.py; node_modules lives outside the repository.
import { Client, fetchExchange, gql } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";

const url = process.argv[2];
const query = gql`
  query Streets {
    streets(first: 1) {
      totalCount
    }
  }
`;
const client = new Client({
  url,
  exchanges: [persistedExchange({ preferGetForPersistedQueries: false }), fetchExchange],
  requestPolicy: "network-only",
});
const pick = (result) => ({
  data: result.data ?? null,
  error: result.error ? result.error.message : null,
});
const first = pick(await client.query(query, {}).toPromise());
const second = pick(await client.query(query, {}).toPromise());
process.stdout.write(JSON.stringify({ first, second }));
