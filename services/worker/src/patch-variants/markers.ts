import type { temporal } from '@temporalio/proto';

/** The ids of the patch markers (`patched(id)`'s first use) in a workflow history, in order. */
export const patchMarkers = (history: temporal.api.history.v1.IHistory): string[] =>
  (history.events ?? []).flatMap((e) =>
    (e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map(
      (p) => (JSON.parse(Buffer.from(p.data ?? []).toString()) as { id: string }).id,
    ),
  );
