/**
 * The patch ids of workflow changes (`patched(id)`), one place for the workflow and the bundles that
 * force a patch on or off (services/worker/src/patch-variants/).
 */

/** orderFulfillmentWorkflow: the fraud check before capture, added after orders had run without it. */
export const FRAUD_CHECK_PATCH = 'fraud-check-before-capture';
