/**
 * The activities of the orders benchmark's baseline workflow: no-ops, so the baseline measures only
 * what Temporal itself costs (workflow and activity tasks on the same dev server).
 */
export function createBaselineActivities() {
  return {
    /** Does nothing and returns its step number. */
    async noop(step: number): Promise<number> {
      return step;
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
