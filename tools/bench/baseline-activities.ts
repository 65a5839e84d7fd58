/**
 * The activities of the orders benchmark's baseline workflow: no-ops, so the baseline measures only
 * what Temporal itself costs (workflow and activity tasks on the same dev server).
 */
export function createBaselineActivities() {
  return {
    /** Does nothing and returns its step number. */
    noop(step: number): Promise<number> {
      return Promise.resolve(step);
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
