import { z } from 'zod';

/**
 * The one id rule, for order, customer and workflow ids and SKUs: visible ASCII letters, digits and
 * `_ . : -`, nothing else (no spaces, no control characters, no non-ASCII). An id travels in URL
 * paths, in `Idempotency-Key` headers (which must be ByteStrings) and in Temporal visibility
 * queries, so an id outside this set would be accepted once and then fail in one of those places.
 * The rule is a plain character class, so fuzzers can generate from the documented pattern.
 */
export const ID_CHARACTERS = 'A-Za-z0-9_.:-';
export const ID_MAX_LENGTH = 64;
export const idSchema = (example: string, max = ID_MAX_LENGTH) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(new RegExp(`^[${ID_CHARACTERS}]+$`), 'must contain only the characters A-Z a-z 0-9 _ . : - (no spaces)')
    .meta({ description: `1–${max} of A-Z a-z 0-9 _ . : -, e.g. ${example}` });

export const orderIdSchema = idSchema('ORD-001');
export const customerIdSchema = idSchema('CUST-001');
export const skuSchema = idSchema('ITEM-001');
/** A workflow id: a prefix plus an id (`order-fulfillment-ORD-001`), up to Temporal's usual 255. */
export const workflowIdSchema = idSchema('order-fulfillment-ORD-001', 255);

/**
 * JavaScript's `\s`, spelled out: regex engines disagree about which characters `\s` covers
 * (Python's includes \x1c–\x1f, not \ufeff), and a client or fuzzer reading the documented
 * pattern must draw the line where the server does.
 */
const WHITESPACE = String.raw`\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;
/**
 * Free text (an address line, a reason): 1 to `max` characters, not all whitespace. Kept as given
 * rather than trimmed, so the documented lengths are the ones checked.
 */
export const textSchema = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(new RegExp(`[^${WHITESPACE}]`), 'must not be blank');

/**
 * An e-mail address: zod's e-mail syntax within the lengths of RFC 5321 (at most 64 characters
 * before the @, 63 per domain label, 254 in all), as the `email` format of the OpenAPI document
 * promises to its readers' validators.
 */
export const emailSchema = z
  .email()
  .max(254)
  .refine((v) => {
    const [local = '', domain = ''] = v.split('@');
    return local.length <= 64 && domain.split('.').every((label) => label.length <= 63);
  }, 'must have at most 64 characters before the @ and 63 per domain label');

/**
 * A whole number in a query string: digits only, then `schema`'s range. `z.coerce.number()` would
 * read "" and " " as 0 and "1e2" as 100, values the documented `integer` does not allow.
 */
export const queryIntSchema = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && /^[0-9]{1,15}$/.test(v) ? Number(v) : v), schema);

/** Integer minor units (cents): no fractions, no negatives. */
export const minorUnitsSchema = z
  .number()
  .int()
  .positive()
  .max(100_000_000_00)
  .meta({ description: 'Amount in integer minor units (cents)' });
export const currencySchema = z
  .string()
  .regex(/^[a-z]{3}$/, 'a three-letter lowercase ISO currency code')
  .default('usd');
export const addressSchema = z
  .object({
    street: textSchema(200),
    city: textSchema(100),
    state: textSchema(100),
    zip: textSchema(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter ISO country code'),
  })
  .strict()
  .meta({ id: 'Address' });
export type Address = z.infer<typeof addressSchema>;
export const lineItemSchema = z
  .object({ sku: skuSchema, quantity: z.number().int().positive().max(10_000) })
  .strict()
  .meta({ id: 'LineItem' });
export const orderQuerySchema = z.object({ orderId: orderIdSchema }).strict();
