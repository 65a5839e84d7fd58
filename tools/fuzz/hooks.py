"""
schemathesis hooks of `make fuzz` (loaded through SCHEMATHESIS_HOOKS by tools/fuzz.ts).

`before_call`: the data rules of the fake-stripe APIs that JSON Schema cannot state, applied to each
case generated as valid just before it is sent. Without them a valid-looking request is refused for
a reason the document cannot express, and the fuzzer reports the refusal as a wrong one. Cases
generated as invalid are left untouched, but for the long-poll bound below.
"""

import uuid
from datetime import datetime, timedelta
from fractions import Fraction

import schemathesis

MAX_TOTAL = Fraction(1_000_000)


def _is_positive(case) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def _fresh_idempotency_key(case) -> None:
    # A key is bound to the first request body sent with it: the same key with another body is a
    # 400 by design (Stripe's semantics). Generated keys repeat across cases, so each valid case
    # gets a key of its own.
    headers = case.headers
    if headers and isinstance(headers.get("Idempotency-Key"), str):
        headers["Idempotency-Key"] = f"fuzz-{uuid.uuid4()}"


def _order_total(case) -> None:
    # totalAmount must equal the sum of price × quantity over the items, to the cent.
    body = case.body
    if not isinstance(body, dict) or not isinstance(body.get("items"), list) or not body["items"]:
        return
    items = body["items"]

    def lines():
        return sum(Fraction(str(i["price"])) * i["quantity"] for i in items)

    try:
        total = lines()
        if total > MAX_TOTAL:
            for item in items:
                item["quantity"] = 1
            total = lines()
        if total > MAX_TOTAL:
            del items[1:]
            total = lines()
    except (KeyError, TypeError, ValueError):
        return
    body["totalAmount"] = float(total)


def _no_page_token(case) -> None:
    # A page token is only valid when a previous page of the same listing handed it out.
    if case.query:
        case.query.pop("pageToken", None)


def _no_partial_amount(case) -> None:
    # A capture takes at most what its hold holds, a refund at most what was captured: facts of the
    # ledger, not of the request. Without `amount` the whole hold or capture is taken.
    if isinstance(case.body, dict):
        case.body.pop("amount", None)


def _no_amount_to_capture(case) -> None:
    # The Stripe API's capture: as _no_partial_amount, for its own field.
    if isinstance(case.body, dict):
        case.body.pop("amount_to_capture", None)


def _confirm_with_card(case) -> None:
    # A PaymentIntent is confirmed (confirm=true) on a payment method: without one, Stripe refuses it.
    body = case.body
    if isinstance(body, dict) and body.get("confirm") in (True, "true") and "payment_method" not in body:
        body["payment_method"] = "pm_card_visa"


def _restock_policy_for_restock_only(case) -> None:
    # Only the restock schedule takes a restock policy: a fact of the path's name, not of the body.
    if isinstance(case.body, dict) and (case.path_parameters or {}).get("name") != "restock":
        case.body.pop("restock", None)


def _backfill_forward(case) -> None:
    # A backfill's end comes after its start: two fields' order, which JSON Schema cannot state.
    body = case.body
    if not isinstance(body, dict):
        return
    try:
        start = datetime.fromisoformat(body["start"])
        end = datetime.fromisoformat(body["end"])
    except (KeyError, TypeError, ValueError):
        return
    if end <= start:
        body["start"] = (end - timedelta(hours=1)).isoformat()


def _short_long_poll(case) -> None:
    # `/result` holds the request up to `wait` seconds (default 30) while the workflow runs, longer
    # than the fuzzer's request timeout: the fuzz phase keeps each long poll to at most 2 s.
    query = case.query if case.query is not None else {}
    wait = query.get("wait")
    if wait is None or (isinstance(wait, int) and not isinstance(wait, bool) and 0 <= wait <= 300):
        query["wait"] = min(wait if wait is not None else 2, 2)
        case.query = query


RULES = {
    ("POST", "/payment/capture"): [_no_partial_amount],
    ("POST", "/payment/refund"): [_no_partial_amount],
    ("POST", "/v1/payment_intents"): [_confirm_with_card],
    ("POST", "/v1/refunds"): [_no_partial_amount],
    ("POST", "/v1/payment_intents/{id}/capture"): [_no_amount_to_capture],
    ("POST", "/api/v1/order"): [_order_total],
    ("GET", "/api/v1/orders"): [_no_page_token],
    ("GET", "/api/v1/subscriptions"): [_no_page_token],
    ("POST", "/api/v1/schedules/{name}"): [_restock_policy_for_restock_only],
    ("POST", "/api/v1/schedules/{name}/backfill"): [_backfill_forward],
}


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.method.upper() == "GET" and case.path.endswith("/result"):
        _short_long_poll(case)
    if not _is_positive(case):
        return
    _fresh_idempotency_key(case)
    for rule in RULES.get((case.method.upper(), case.path), []):
        rule(case)
