type Group = object;

/**
 * The same read API with every failure mapped by `map` (a driver's errors become one
 * ApplianceError with a stable code). Wraps each function of each group; results untouched.
 */
export function withMappedErrors<T extends { [K in keyof T]: Group }>(reads: T, map: (err: unknown) => Error): T {
  const wrapGroup = (group: Group): Group =>
    Object.fromEntries(
      Object.entries(group).map(([name, value]) => [
        name,
        typeof value === 'function'
          ? async (...args: unknown[]) => {
              try {
                return await (value as (...a: unknown[]) => Promise<unknown>).apply(group, args);
              } catch (err) {
                throw map(err);
              }
            }
          : value,
      ]),
    );
  return Object.fromEntries(Object.entries(reads).map(([key, group]) => [key, wrapGroup(group as Group)])) as T;
}
