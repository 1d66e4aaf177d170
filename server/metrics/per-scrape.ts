// prom-client gathers every metric of a scrape concurrently (Promise.all over
// their collect()s). Several gauges are filled from one database read: the
// first collect() starts it and the others of the same scrape share it.
export function sharedPerScrape<T>(load: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= load().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}
