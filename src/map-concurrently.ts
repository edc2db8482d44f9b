/**
 * `map` over `items` with at most `limit` calls in flight; the results come back in
 * the items' order. Each of the `limit` workers takes the next item as soon as it is
 * free, so one slow item holds up only its own worker. Rejects with the first
 * rejection (the calls already in flight still run to their end).
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
