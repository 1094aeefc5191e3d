export interface Cluster {
  url: string;
  stop(): void;
}
export function postgresBin(): string | null;
export function freePort(): Promise<number>;
export function startCluster(
  bin: string,
  options?: { settings?: string[]; prefix?: string },
): Promise<Cluster>;
