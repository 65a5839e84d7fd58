/**
 * The patch ids of workflow changes (`patched(id)`), one place for the workflow and the bundles that
 * force a patch on or off (services/worker/src/patch-variants/).
 */

/** orderFulfillmentWorkflow: the fraud check before capture, added after orders had run without it. */
export const FRAUD_CHECK_PATCH = 'fraud-check-before-capture';

/**
 * orderFulfillmentWorkflow: the OrderStatus search attribute takes only the visibility statuses
 * (`in_progress` for every forward step), written when that changes, instead of each step's status.
 */
export const VISIBILITY_STATUS_PATCH = 'coarse-visibility-status';
