/** The time the services see, in milliseconds since the epoch; tests and the admin API may move it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const HOUR_MS = 60 * 60 * 1000;
