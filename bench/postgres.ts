// A throwaway PostgreSQL cluster for the benchmark, started like `npm test`'s
// (scripts/postgres-cluster.mjs) but with PostgreSQL's durable defaults (fsync,
// synchronous_commit=on, full_page_writes): the figures are those of a durable commit.
import {
  type Cluster,
  freePort,
  postgresBin,
  startCluster as startThrowawayCluster,
} from '../scripts/postgres-cluster.mjs';

export { type Cluster, freePort };

/** Starts a cluster in a temporary folder; null when the server binaries are not installed. */
export async function startCluster(): Promise<Cluster | null> {
  const bin = postgresBin();
  if (bin === null) return null;
  return startThrowawayCluster(bin, {
    settings: ['-c max_connections=100'],
    prefix: 'multientity-bench-pg-',
  });
}
